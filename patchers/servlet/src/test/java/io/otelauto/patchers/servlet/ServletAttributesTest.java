package io.otelauto.patchers.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ServletAttributesTest {
  @Test
  void theProtocolVersionIsWhatFollowsHttpAndTwoForHttp2() {
    assertThat(ServletAttributes.protocolVersion("HTTP/1.1")).isEqualTo("1.1");
    assertThat(ServletAttributes.protocolVersion("HTTP/1.0")).isEqualTo("1.0");
    assertThat(ServletAttributes.protocolVersion("HTTP/2.0")).isEqualTo("2");
    assertThat(ServletAttributes.protocolVersion("HTTP/3")).isEqualTo("3");
    assertThat(ServletAttributes.protocolVersion("SPDY/3")).isNull();
    assertThat(ServletAttributes.protocolVersion(null)).isNull();
  }

  @Test
  void aPortIsBoxedOnceWhileRequestsComeOnIt() {
    Long first = ServletAttributes.port(8080);
    assertThat(first).isEqualTo(8080L);
    assertThat(ServletAttributes.port(8080)).isSameAs(first);
    assertThat(ServletAttributes.port(8443)).isEqualTo(8443L);
    assertThat(ServletAttributes.port(8080)).isEqualTo(8080L);
  }
}
