package io.otelauto.launcher;

import java.net.URISyntaxException;
import java.nio.file.Path;

/** The distribution's root: this class's jar is {@code <home>/lib/launcher/otel-auto-instrument-launcher.jar}. */
final class Home {
  private Home() {}

  static Path locate() {
    try {
      Path jar = Path.of(Launcher.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      return jar.getParent().getParent().getParent();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}
