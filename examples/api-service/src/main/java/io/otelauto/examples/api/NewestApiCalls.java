package io.otelauto.examples.api;

/**
 * Calls of an API newer than the oldest this example is built with: {@link NewestApi} makes them, and is
 * left out where the service is compiled against an API that lacks them (the end-to-end tests compile it
 * against 1.10). Without it, there is nothing to call.
 */
final class NewestApiCalls {
  private NewestApiCalls() {}

  static String run() {
    try {
      Class<?> calls = Class.forName("io.otelauto.examples.api.NewestApi");
      return String.valueOf(calls.getDeclaredMethod("run").invoke(null));
    } catch (ClassNotFoundException e) {
      return "not built";
    } catch (ReflectiveOperationException e) {
      return "failed: " + e.getCause();
    }
  }
}
