package io.otelauto.patchers.api;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HttpConventionsTest {

  @Test
  void theNineMethodsAreKnownAndNothingElse() {
    for (String method : new String[] {"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"}) {
      // A string made at run time, as a server's parser makes it, not the literal.
      assertThat(HttpConventions.isKnownMethod(new String(method.toCharArray()))).as(method).isTrue();
    }
    for (String method : new String[] {"get", "Get", "GETS", "GE", "", "PROPFIND", "QUERY", "FOO", "DELETES", "PATCh"}) {
      assertThat(HttpConventions.isKnownMethod(method)).as(method).isFalse();
    }
    assertThat(HttpConventions.isKnownMethod(null)).isFalse();
  }

  @Test
  void everyStatusCodeIsItsOwnValueAndTheCommonOnesAreSharedObjects() {
    for (int status : new int[] {0, 99, 100, 200, 404, 503, 599, 600, 1000, -1}) {
      assertThat(HttpConventions.statusCode(status)).as("status %d", status).isEqualTo((long) status);
    }
    assertThat(HttpConventions.statusCode(200)).isSameAs(HttpConventions.statusCode(200));
  }
}
