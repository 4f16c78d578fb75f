package io.otelauto.examples.hello;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A gateway without any tracing code: GET /hello?name=NAME formats the greeting with the formatter, hands
 * it to the publisher, and has it audited by the publisher again, each call on a different mechanism: the
 * JDK HttpClient's send, its sendAsync, and HttpURLConnection on a pool thread.
 *
 * <p>{@code java -cp example-uninstrumented.jar io.otelauto.examples.hello.Gateway PORT FORMATTER_PORT PUBLISHER_PORT}
 */
public final class Gateway {
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final ExecutorService auditors = Executors.newFixedThreadPool(4);
  private final String formatter;
  private final String publisher;

  private Gateway(int formatterPort, int publisherPort) {
    this.formatter = "http://127.0.0.1:" + formatterPort;
    this.publisher = "http://127.0.0.1:" + publisherPort;
  }

  public static void main(String[] args) throws IOException {
    Gateway gateway = new Gateway(PlainHttp.port(args, 1, 8081), PlainHttp.port(args, 2, 8082));
    PlainHttp.serve("gateway", PlainHttp.port(args, 0, 8080), "/hello", gateway::hello);
  }

  private void hello(HttpExchange exchange) throws IOException {
    try (exchange) {
      String name = PlainHttp.queryParam(exchange, "name");
      if (name == null) {
        PlainHttp.respond(exchange, 400, "missing query parameter name\n");
        return;
      }
      // 1. synchronous HttpClient.send
      String greeting = client.send(get(formatter + "/format_request?helloTo=" + encode(name)),
          HttpResponse.BodyHandlers.ofString()).body();
      // 2. HttpClient.sendAsync, completed on the client's own threads
      CompletableFuture<HttpResponse<String>> published = client.sendAsync(
          get(publisher + "/publish_request?helloStr=" + encode(greeting)), HttpResponse.BodyHandlers.ofString());
      // 3. HttpURLConnection on a pool thread
      Future<Integer> audited = auditors.submit(() -> audit(greeting));
      String outcome = published.get().body() + ", audit " + audited.get();
      PlainHttp.respond(exchange, 200, greeting + " (" + outcome + ")");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      PlainHttp.respond(exchange, 503, "interrupted\n");
    } catch (ExecutionException e) {
      PlainHttp.respond(exchange, 502, "downstream failed: " + e.getCause() + "\n");
    }
  }

  private int audit(String greeting) throws IOException {
    HttpURLConnection connection = (HttpURLConnection) URI.create(
        publisher + "/publish_request?helloStr=" + encode("audit: " + greeting)).toURL().openConnection();
    try (InputStream body = connection.getInputStream()) {
      body.readAllBytes();
      return connection.getResponseCode();
    } finally {
      connection.disconnect();
    }
  }

  private static HttpRequest get(String uri) {
    return HttpRequest.newBuilder(URI.create(uri)).build();
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
