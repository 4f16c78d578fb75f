package io.otelauto.bootstrap;

import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.MessageWriter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.otelauto.patchers.api.AgentLog;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * OTLP over HTTP in protobuf, encoded by the agent's one-pass {@link OtlpTraceEncoder} instead of the SDK's
 * marshaller, and sent through the very sender the SDK's own exporter was built with. So the endpoint,
 * headers, compression, timeouts, TLS and retries are what the SDK made of the {@code OTEL_*} settings; only
 * the encoding differs, and its bytes are the SDK's (the tests compare them).
 *
 * <p>When it is the batch processor's only exporter, each span is encoded as it ends, on the thread that
 * ends it, and the batch processor is the agent's {@link EncodedBatchSpanProcessor}, which hands it runs of
 * spans' bytes ({@link #exportEncoded}). {@value #ENCODE_AT_END_PROPERTY}{@code =false} keeps the SDK's
 * batch processor, whose worker has the spans encoded here.
 *
 * <p>{@code otel.auto.instrument.otlp.encoder=sdk} keeps the SDK's exporter as it is (to compare the two).
 * Should the encoder ever fail, the batch goes through the SDK's exporter instead, and so do all later ones
 * (spans already encoded still go as they are: {@link #encoderFailed}).
 */
final class OtlpProtobufSpanExporter implements SpanExporter {
  static final String ENCODER_PROPERTY = "otel.auto.instrument.otlp.encoder";
  static final String ENCODE_AT_END_PROPERTY = "otel.auto.instrument.otlp.encode.at.end";
  private static final String SDK_OTLP_HTTP = "io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter";

  private final SpanExporter sdkExporter;
  private final UrlConnectionHttpSender sender;
  private final AgentLog log;
  /** An encoder not in use; a batch sent while another one is still in flight gets a new one. */
  private final AtomicReference<OtlpTraceEncoder> idle = new AtomicReference<>(new OtlpTraceEncoder());
  private final boolean encodeAtEnd;
  private volatile boolean encoderFailed;
  private volatile boolean shutDown;

  private OtlpProtobufSpanExporter(SpanExporter sdkExporter, UrlConnectionHttpSender sender, AgentLog log,
      boolean encodeAtEnd) {
    this.sdkExporter = sdkExporter;
    this.sender = sender;
    this.log = log;
    this.encodeAtEnd = encodeAtEnd;
  }

  /**
   * The exporter to use for {@code exporter}, which the SDK has just built: this one in its place when it is
   * the SDK's OTLP/HTTP protobuf exporter over the agent's sender, else {@code exporter} itself.
   */
  static SpanExporter inPlaceOf(SpanExporter exporter, ConfigProperties config, AgentLog log) {
    UrlConnectionHttpSender sender = UrlConnectionHttpSenderProvider.takeLastCreated();
    if (sender != null && "urlconnection".equals(config.getString(UrlConnectionHttpSender.CLIENT_PROPERTY, "agent"))) {
      sender.alwaysThroughUrlConnection();
    }
    if (sender == null || !sender.isProtobuf() || !exporter.getClass().getName().equals(SDK_OTLP_HTTP)
        || "sdk".equals(config.getString(ENCODER_PROPERTY, "agent"))) {
      return exporter;
    }
    return new OtlpProtobufSpanExporter(exporter, sender, log, config.getBoolean(ENCODE_AT_END_PROPERTY, true));
  }

  /**
   * Whether {@code config} asks for spans encoded as they end ({@link EncodedBatchSpanProcessor}): OTLP the one
   * batched exporter, in http/protobuf, with the agent's encoder. Read before the exporters are built (for
   * the batch size); the batch processor's gate decides for good once they are.
   */
  static boolean encodesAtEnd(ConfigProperties config) {
    List<String> batched = new ArrayList<>(config.getList("otel.traces.exporter", List.of("otlp")));
    batched.removeAll(List.of("console", "logging")); // these two get a simple processor of their own
    String protocol = config.getString("otel.exporter.otlp.traces.protocol",
        config.getString("otel.exporter.otlp.protocol", "http/protobuf"));
    return batched.equals(List.of("otlp")) && "http/protobuf".equals(protocol)
        && !"sdk".equals(config.getString(ENCODER_PROPERTY, "agent")) && config.getBoolean(ENCODE_AT_END_PROPERTY, true);
  }

  /** Whether spans may reach this exporter encoded already ({@link #exportEncoded}). */
  boolean encodesAtEnd() {
    return encodeAtEnd;
  }

  /** Whether the encoder has failed: spans then go to the SDK's exporter, unencoded. */
  boolean hasEncoderFailed() {
    return encoderFailed;
  }

  /** The encoder failed (here or where spans are encoded as they end): from now on the SDK's exporter encodes. */
  void encoderFailed(Throwable failure) {
    encoderFailed = true;
    log.errorOnce("otlp-encoder", "the agent's OTLP encoder failed; spans go through the SDK's from now on", failure);
  }

  /** The name users know it by (in the report of spans not exported, and in status). */
  String sdkExporterName() {
    return sdkExporter.getClass().getSimpleName();
  }

  @Override
  public CompletableResultCode export(Collection<SpanData> spans) {
    if (shutDown) {
      return CompletableResultCode.ofFailure();
    }
    if (encoderFailed) {
      return sdkExporter.export(spans);
    }
    try {
      return send(encoder -> encoder.encode(spans));
    } catch (RuntimeException e) {
      encoderFailed(e);
      return sdkExporter.export(spans);
    }
  }

  /**
   * Runs of spans encoded as they ended, sent as they are (even once the encoder has failed: nothing else can
   * read them). Their bytes are copied into the request before this returns: the caller reuses their arrays.
   */
  CompletableResultCode exportEncoded(List<EncodedSpans> runs) {
    if (shutDown) {
      return CompletableResultCode.ofFailure();
    }
    try {
      return send(encoder -> encoder.encodeRuns(runs));
    } catch (RuntimeException e) {
      return CompletableResultCode.ofExceptionalFailure(e);
    }
  }

  /** Encodes a request (throwing if the encoder fails) and hands it to the sender. */
  private CompletableResultCode send(Consumer<OtlpTraceEncoder> encode) {
    OtlpTraceEncoder taken = idle.getAndSet(null);
    OtlpTraceEncoder encoder = taken == null ? new OtlpTraceEncoder() : taken;
    encode.accept(encoder); // on failure it is not given back: the next batch gets a new one
    CompletableResultCode result = new CompletableResultCode();
    sender.send(new MessageWriter() {
      @Override
      public void writeMessage(OutputStream out) throws IOException {
        encoder.writeTo(out);
      }

      @Override
      public int getContentLength() {
        return encoder.length();
      }
    }, response -> {
      idle.set(encoder);
      int status = response.getStatusCode();
      if (status >= 200 && status < 300) {
        result.succeed();
      } else {
        result.failExceptionally(new IOException("the receiver answered HTTP " + status + " " + response.getStatusMessage()));
      }
    }, error -> {
      idle.set(encoder);
      result.failExceptionally(new IOException("OTLP export failed", error));
    });
    return result;
  }

  @Override
  public CompletableResultCode flush() {
    return sdkExporter.flush();
  }

  /** Shuts the SDK's exporter down, and with it the sender (sends already queued still go). */
  @Override
  public CompletableResultCode shutdown() {
    shutDown = true;
    return sdkExporter.shutdown();
  }

  @Override
  public String toString() {
    return "OtlpProtobufSpanExporter{" + sdkExporter + '}';
  }
}
