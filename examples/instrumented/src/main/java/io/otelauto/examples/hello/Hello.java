package io.otelauto.examples.hello;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The hello client, traced by hand: asks the formatter to format a greeting, then the publisher to
 * publish it, and prints it. Usage: {@code Hello <helloTo> [formatterPort] [publisherPort]}.
 */
public final class Hello {

  private Hello() {}

  public static void main(String[] args) {
    if (args.length < 1 || args.length > 3) {
      System.err.println("usage: Hello <helloTo> [formatterPort] [publisherPort]");
      System.exit(2);
    }
    String helloTo = args[0];
    int formatterPort = args.length > 1 ? Integer.parseInt(args[1]) : 8081;
    int publisherPort = args.length > 2 ? Integer.parseInt(args[2]) : 8082;

    SdkTracerProvider tracerProvider = ExampleTracing.tracerProvider("hello");
    int exitCode = 0;
    try {
      sayHello(tracerProvider.get(ExampleTracing.INSTRUMENTATION_NAME),
          helloTo, formatterPort, publisherPort);
    } catch (IOException | InterruptedException | RuntimeException e) {
      System.err.println("hello: " + e);
      exitCode = 1;
    } finally {
      tracerProvider.shutdown().join(10, TimeUnit.SECONDS);
    }
    System.exit(exitCode);
  }

  @SuppressWarnings("try") // the scope only makes the span current
  private static void sayHello(Tracer tracer, String helloTo, int formatterPort, int publisherPort)
      throws IOException, InterruptedException {
    HttpClient client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    Span span = tracer.spanBuilder("hello").setAttribute("hello-to", helloTo).startSpan();
    try (Scope scope = span.makeCurrent()) {
      String helloStr =
          call(client, tracer, "hello-format",
              "http://127.0.0.1:" + formatterPort + "/format_request?helloTo=" + encode(helloTo));
      call(client, tracer, "hello-publish",
          "http://127.0.0.1:" + publisherPort + "/publish_request?helloStr=" + encode(helloStr));
      System.out.println(helloStr);
    } catch (IOException | InterruptedException | RuntimeException e) {
      span.setStatus(StatusCode.ERROR, e.toString());
      throw e;
    } finally {
      span.end();
    }
  }

  /** GETs {@code url} inside a child span {@code spanName} and returns the body of its 200 answer. */
  @SuppressWarnings("try") // the scope only makes the span current
  private static String call(HttpClient client, Tracer tracer, String spanName, String url)
      throws IOException, InterruptedException {
    Span span = tracer.spanBuilder(spanName).startSpan();
    try (Scope scope = span.makeCurrent()) {
      HttpRequest.Builder request =
          HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).GET();
      ExampleTracing.PROPAGATOR.inject(Context.current(), request, ExampleTracing.OUTGOING_HEADERS);
      HttpResponse<String> response;
      try {
        response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
      } catch (IOException e) {
        throw new IOException("GET " + url + " failed: " + e, e);
      }
      if (response.statusCode() != 200) {
        throw new IOException(
            url + " answered HTTP " + response.statusCode() + ": " + response.body().strip());
      }
      return response.body();
    } catch (IOException | InterruptedException | RuntimeException e) {
      span.recordException(e);
      span.setStatus(StatusCode.ERROR, e.toString());
      throw e;
    } finally {
      span.end();
    }
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
