package io.otelauto.bootstrap;

import io.opentelemetry.sdk.common.export.HttpSender;
import io.opentelemetry.sdk.common.export.HttpSenderConfig;
import io.opentelemetry.sdk.common.export.HttpSenderProvider;

/** Found by the SDK through {@code META-INF/services}; chosen for OTLP over HTTP by {@link Telemetry}. */
public final class UrlConnectionHttpSenderProvider implements HttpSenderProvider {
  /**
   * The sender made last, for the exporter being built: {@link OtlpProtobufSpanExporter} sends through the
   * sender the SDK's exporter was configured with. A static field of the agent's own class, not a thread
   * local: a value left on a program's thread would keep the agent's classes alive after a detach.
   */
  private static volatile UrlConnectionHttpSender lastCreated;

  @Override
  public HttpSender createSender(HttpSenderConfig config) {
    UrlConnectionHttpSender sender = new UrlConnectionHttpSender(config);
    lastCreated = sender;
    return sender;
  }

  /** The sender made last, if not taken yet; taking it forgets it. */
  static synchronized UrlConnectionHttpSender takeLastCreated() {
    UrlConnectionHttpSender sender = lastCreated;
    lastCreated = null;
    return sender;
  }
}
