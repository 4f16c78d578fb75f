package io.otelauto.patchers.jdkhttpclient;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.semconv.ErrorAttributes;
import io.otelauto.patchers.api.AgentLog;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * One traced call, handed to the advice as JDK types: {@link #get()} is the request to send (the caller's,
 * or its copy with the propagation headers), {@link #accept} runs at the intercepted method's exit on the
 * caller's thread. {@code send}'s span ends there; {@code sendAsync}'s when the future it returns completes,
 * normally, exceptionally or by cancellation. The future itself is left as it is.
 */
final class ClientCall implements Supplier<Object>, BiConsumer<Object, Throwable> {
  private final Span span;
  private final HttpRequest request;
  private final ThreadLocal<ClientCall> inCall;
  private final AgentLog log;

  ClientCall(Span span, HttpRequest request, ThreadLocal<ClientCall> inCall, AgentLog log) {
    this.span = span;
    this.request = request;
    this.inCall = inCall;
    this.log = log;
  }

  @Override
  public Object get() {
    return request;
  }

  /** {@code result}: the response of {@code send} or the future of {@code sendAsync}; null if it threw. */
  @Override
  public void accept(Object result, Throwable thrown) {
    try {
      inCall.remove();
      if (thrown == null && result instanceof CompletableFuture) {
        ((CompletableFuture<?>) result).whenComplete(this::end);
        return;
      }
    } catch (RuntimeException | LinkageError e) {
      log.errorOnce(JdkHttpClientPatcher.NAME + ".exit", "Could not follow the HTTP client call", e);
    }
    end(result, thrown);
  }

  private void end(Object response, Throwable failure) {
    try {
      Throwable cause = failure instanceof CompletionException && failure.getCause() != null
          ? failure.getCause()
          : failure;
      if (cause != null) {
        span.recordException(cause);
        span.setAttribute(ErrorAttributes.ERROR_TYPE, cause.getClass().getName());
        span.setStatus(StatusCode.ERROR);
      } else if (response instanceof HttpResponse) {
        HttpResponse<?> httpResponse = (HttpResponse<?>) response;
        span.setAllAttributes(HttpClientAttributes.onResponse(httpResponse));
        if (HttpClientAttributes.isError(httpResponse.statusCode())) {
          span.setStatus(StatusCode.ERROR);
        }
      }
    } catch (RuntimeException | LinkageError e) {
      log.errorOnce(JdkHttpClientPatcher.NAME + ".end", "Could not complete the CLIENT span", e);
    } finally {
      span.end();
    }
  }
}
