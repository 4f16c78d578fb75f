package io.otelauto.patchers.jdkhttpclient;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class PropagationHeadersTest {
  private static final String TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

  @Test
  void theCopyKeepsEverythingOfTheCallersRequestAndAddsTheHeaders() {
    HttpRequest.BodyPublisher body = HttpRequest.BodyPublishers.ofString("payload");
    HttpRequest original = HttpRequest.newBuilder(URI.create("http://example.com/a?b=c"))
        .method("PATCH", body)
        .header("X-Multi", "1").header("X-Multi", "2").header("Content-Type", "text/plain")
        .timeout(Duration.ofSeconds(7))
        .version(HttpClient.Version.HTTP_1_1)
        .expectContinue(true)
        .build();
    PropagationHeaders headers = new PropagationHeaders(original);

    PropagationHeaders.SETTER.set(headers, "traceparent", TRACEPARENT);
    PropagationHeaders.SETTER.set(headers, "baggage", "k=v");
    HttpRequest copy = headers.request();

    assertThat(copy).isNotSameAs(original);
    assertThat(copy.uri()).isEqualTo(original.uri());
    assertThat(copy.method()).isEqualTo("PATCH");
    assertThat(copy.bodyPublisher()).containsSame(body);
    assertThat(copy.timeout()).isEqualTo(original.timeout());
    assertThat(copy.version()).isEqualTo(original.version());
    assertThat(copy.expectContinue()).isTrue();
    assertThat(copy.headers().allValues("X-Multi")).containsExactly("1", "2");
    assertThat(copy.headers().firstValue("content-type")).hasValue("text/plain");
    assertThat(copy.headers().allValues("traceparent")).containsExactly(TRACEPARENT);
    assertThat(copy.headers().allValues("baggage")).containsExactly("k=v");
  }

  @Test
  void aHeaderTheCallerSetIsKeptAndNoCopyIsMadeForNothing() {
    HttpRequest original = HttpRequest.newBuilder(URI.create("http://example.com/"))
        .header("TraceParent", TRACEPARENT).build();
    PropagationHeaders headers = new PropagationHeaders(original);

    PropagationHeaders.SETTER.set(headers, "traceparent", "00-11111111111111111111111111111111-2222222222222222-01");
    PropagationHeaders.SETTER.set(null, "baggage", "ignored");

    assertThat(headers.request()).isSameAs(original);
  }
}
