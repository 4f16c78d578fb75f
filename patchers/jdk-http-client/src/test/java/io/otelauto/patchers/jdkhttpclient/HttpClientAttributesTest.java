package io.otelauto.patchers.jdkhttpclient;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.semconv.HttpAttributes;
import io.opentelemetry.semconv.ServerAttributes;
import io.opentelemetry.semconv.UrlAttributes;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import org.junit.jupiter.api.Test;

class HttpClientAttributesTest {

  @Test
  void knownAndUnknownMethods() {
    HttpRequest purge = HttpRequest.newBuilder(URI.create("http://example.com/"))
        .method("PURGE", HttpRequest.BodyPublishers.noBody()).build();
    HttpRequest get = HttpRequest.newBuilder(URI.create("http://example.com/")).build();

    assertThat(HttpClientAttributes.method(get)).isEqualTo("GET");
    assertThat(HttpClientAttributes.spanName("GET")).isEqualTo("GET");
    assertThat(HttpClientAttributes.method(purge)).isEqualTo("_OTHER");
    assertThat(HttpClientAttributes.spanName("_OTHER")).isEqualTo("HTTP");
    Attributes attributes = HttpClientAttributes.onStart(purge, "_OTHER");
    assertThat(attributes.get(HttpAttributes.HTTP_REQUEST_METHOD)).isEqualTo("_OTHER");
    assertThat(attributes.get(HttpAttributes.HTTP_REQUEST_METHOD_ORIGINAL)).isEqualTo("PURGE");
  }

  @Test
  void serverAddressAndPortWithSchemeDefaults() {
    Attributes https = HttpClientAttributes.onStart(
        HttpRequest.newBuilder(URI.create("https://example.com/a")).build(), "GET");
    Attributes http = HttpClientAttributes.onStart(
        HttpRequest.newBuilder(URI.create("http://example.com/a")).build(), "GET");
    Attributes ipv6 = HttpClientAttributes.onStart(
        HttpRequest.newBuilder(URI.create("http://[::1]:8080/a")).build(), "GET");

    assertThat(https.get(ServerAttributes.SERVER_ADDRESS)).isEqualTo("example.com");
    assertThat(https.get(ServerAttributes.SERVER_PORT)).isEqualTo(443L);
    assertThat(http.get(ServerAttributes.SERVER_PORT)).isEqualTo(80L);
    assertThat(ipv6.get(ServerAttributes.SERVER_ADDRESS)).isEqualTo("::1");
    assertThat(ipv6.get(ServerAttributes.SERVER_PORT)).isEqualTo(8080L);
    assertThat(ipv6.get(UrlAttributes.URL_FULL)).isEqualTo("http://[::1]:8080/a");
  }

  @Test
  void urlFullRedactsUserInfoAndCredentialQueryValues() {
    assertThat(HttpClientAttributes.urlFull(URI.create("https://example.com/a/b?x=1#top")))
        .isEqualTo("https://example.com/a/b?x=1#top");
    assertThat(HttpClientAttributes.urlFull(URI.create("https://user:pa%40ss@example.com:8443/a?x=1")))
        .isEqualTo("https://REDACTED:REDACTED@example.com:8443/a?x=1");
    assertThat(HttpClientAttributes.urlFull(URI.create("http://user@example.com")))
        .isEqualTo("http://REDACTED:REDACTED@example.com");
    assertThat(HttpClientAttributes.urlFull(URI.create(
        "https://s3.example.com/o?AWSAccessKeyId=AKIA&Signature=abc%2Bd&Expires=1&sig=s&X-Goog-Signature=g#f")))
        .isEqualTo("https://s3.example.com/o?AWSAccessKeyId=REDACTED&Signature=REDACTED&Expires=1"
            + "&sig=REDACTED&X-Goog-Signature=REDACTED#f");
  }

  @Test
  void redactQueryTouchesOnlyExactKeys() {
    String untouched = "signature=1&sigma=2&mysig=3&a=sig";
    assertThat(HttpClientAttributes.redactQuery(untouched)).isSameAs(untouched);
    assertThat(HttpClientAttributes.redactQuery("sig=1")).isEqualTo("sig=REDACTED");
    assertThat(HttpClientAttributes.redactQuery("&sig=1&&sig&a=b&")).isEqualTo("&sig=REDACTED&&sig&a=b&");
    assertThat(HttpClientAttributes.redactQuery("sig=a=b&c=d")).isEqualTo("sig=REDACTED&c=d");
  }

  @Test
  void protocolVersions() {
    assertThat(HttpClientAttributes.protocolVersion(HttpClient.Version.HTTP_1_1)).isEqualTo("1.1");
    assertThat(HttpClientAttributes.protocolVersion(HttpClient.Version.HTTP_2)).isEqualTo("2");
    assertThat(HttpClientAttributes.protocolVersion(null)).isNull();
  }
}
