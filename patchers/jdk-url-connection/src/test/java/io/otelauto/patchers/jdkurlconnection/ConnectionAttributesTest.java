package io.otelauto.patchers.jdkurlconnection;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.semconv.HttpAttributes;
import io.opentelemetry.semconv.ServerAttributes;
import io.opentelemetry.semconv.UrlAttributes;
import java.net.URI;
import java.net.URL;
import org.junit.jupiter.api.Test;

/** Span name and attributes from a URL alone: no agent, no connection. */
class ConnectionAttributesTest {

  @Test
  void aPlainUrlIsReportedAsGiven() throws Exception {
    assertThat(ConnectionAttributes.fullUrl(url("http://example.com/a/b?x=1#top")))
        .isEqualTo("http://example.com/a/b?x=1#top");
  }

  @Test
  void userInfoAndSignatureParametersAreRedacted() throws Exception {
    assertThat(ConnectionAttributes.fullUrl(url(
        "https://alice:pw@example.com:8443/file?AWSAccessKeyId=AK&Signature=s1&sig=s2&X-Goog-Signature=s3&keep=1")))
        .isEqualTo("https://REDACTED:REDACTED@example.com:8443/file"
            + "?AWSAccessKeyId=REDACTED&Signature=REDACTED&sig=REDACTED&X-Goog-Signature=REDACTED&keep=1");
    // A key that merely contains a sensitive name is not one.
    assertThat(ConnectionAttributes.fullUrl(url("http://example.com/?signature_of=me&sigma=2")))
        .isEqualTo("http://example.com/?signature_of=me&sigma=2");
  }

  @Test
  void serverAddressAndPortFallBackToTheSchemesDefault() throws Exception {
    Attributes https = ConnectionAttributes.onStart("GET", url("https://example.com/"));
    assertThat(https.get(ServerAttributes.SERVER_ADDRESS)).isEqualTo("example.com");
    assertThat(https.get(ServerAttributes.SERVER_PORT)).isEqualTo(443L);
    Attributes ipv6 = ConnectionAttributes.onStart("GET", url("http://[::1]:8080/"));
    assertThat(ipv6.get(ServerAttributes.SERVER_ADDRESS)).isEqualTo("::1");
    assertThat(ipv6.get(ServerAttributes.SERVER_PORT)).isEqualTo(8080L);
    assertThat(ipv6.get(UrlAttributes.URL_FULL)).isEqualTo("http://[::1]:8080/");
  }

  @Test
  void aMethodOutsideTheConventionsIsOther() throws Exception {
    Attributes attributes = ConnectionAttributes.onStart("PROPFIND", url("http://example.com/"));
    assertThat(attributes.get(HttpAttributes.HTTP_REQUEST_METHOD)).isEqualTo("_OTHER");
    assertThat(attributes.get(HttpAttributes.HTTP_REQUEST_METHOD_ORIGINAL)).isEqualTo("PROPFIND");
    assertThat(ConnectionAttributes.spanName("PROPFIND")).isEqualTo("HTTP");
    assertThat(ConnectionAttributes.spanName("DELETE")).isEqualTo("DELETE");
  }

  private static URL url(String url) throws Exception {
    return URI.create(url).toURL();
  }
}
