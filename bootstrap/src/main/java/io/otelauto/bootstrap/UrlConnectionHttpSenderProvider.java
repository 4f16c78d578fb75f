package io.otelauto.bootstrap;

import io.opentelemetry.sdk.common.export.HttpSender;
import io.opentelemetry.sdk.common.export.HttpSenderConfig;
import io.opentelemetry.sdk.common.export.HttpSenderProvider;

/** Found by the SDK through {@code META-INF/services}; chosen for OTLP over HTTP by {@link Telemetry}. */
public final class UrlConnectionHttpSenderProvider implements HttpSenderProvider {
  @Override
  public HttpSender createSender(HttpSenderConfig config) {
    return new UrlConnectionHttpSender(config);
  }
}
