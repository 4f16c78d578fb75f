package io.otelauto.bootstrap;

import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.MessageWriter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.otelauto.patchers.api.AgentLog;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Collection;
import java.util.concurrent.atomic.AtomicReference;

/**
 * OTLP over HTTP in protobuf, encoded by the agent's one-pass {@link OtlpTraceEncoder} instead of the SDK's
 * marshaller, and sent through the very sender the SDK's own exporter was built with. So the endpoint,
 * headers, compression, timeouts, TLS and retries are what the SDK made of the {@code OTEL_*} settings; only
 * the encoding differs, and its bytes are the SDK's (the tests compare them).
 *
 * <p>{@code otel.auto.instrument.otlp.encoder=sdk} keeps the SDK's exporter as it is (to compare the two).
 * Should the encoder ever fail, the batch goes through the SDK's exporter instead, and so do all later ones.
 */
final class OtlpProtobufSpanExporter implements SpanExporter {
  static final String ENCODER_PROPERTY = "otel.auto.instrument.otlp.encoder";
  private static final String SDK_OTLP_HTTP = "io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter";

  private final SpanExporter sdkExporter;
  private final UrlConnectionHttpSender sender;
  private final AgentLog log;
  /** An encoder not in use; a batch sent while another one is still in flight gets a new one. */
  private final AtomicReference<OtlpTraceEncoder> idle = new AtomicReference<>(new OtlpTraceEncoder());
  private volatile boolean encoderFailed;
  private volatile boolean shutDown;

  private OtlpProtobufSpanExporter(SpanExporter sdkExporter, UrlConnectionHttpSender sender, AgentLog log) {
    this.sdkExporter = sdkExporter;
    this.sender = sender;
    this.log = log;
  }

  /**
   * The exporter to use for {@code exporter}, which the SDK has just built: this one in its place when it is
   * the SDK's OTLP/HTTP protobuf exporter over the agent's sender, else {@code exporter} itself.
   */
  static SpanExporter inPlaceOf(SpanExporter exporter, ConfigProperties config, AgentLog log) {
    UrlConnectionHttpSender sender = UrlConnectionHttpSenderProvider.takeLastCreated();
    if (sender == null || !sender.isProtobuf() || !exporter.getClass().getName().equals(SDK_OTLP_HTTP)
        || "sdk".equals(config.getString(ENCODER_PROPERTY, "agent"))) {
      return exporter;
    }
    return new OtlpProtobufSpanExporter(exporter, sender, log);
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
    OtlpTraceEncoder taken = idle.getAndSet(null);
    OtlpTraceEncoder encoder = taken == null ? new OtlpTraceEncoder() : taken;
    try {
      encoder.encode(spans);
    } catch (RuntimeException e) {
      encoderFailed = true;
      log.error("the agent's OTLP encoder failed; spans go through the SDK's from now on", e);
      return sdkExporter.export(spans);
    }
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
