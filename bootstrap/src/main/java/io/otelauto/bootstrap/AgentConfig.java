package io.otelauto.bootstrap;

import java.util.Locale;
import java.util.Map;

/**
 * Configuration as OpenTelemetry reads it: the system property {@code a.b-c} wins over the environment
 * variable {@code A_B_C}.
 */
public final class AgentConfig {
  /** Extra patcher jars or directories of jars, separated by the platform's path separator. */
  public static final String PATCHERS = "otel.auto.instrument.patchers";
  /** Prints {@code Patched NAME} for each patcher applied, and other details. */
  public static final String DEBUG = "otel.auto.instrument.debug";

  private final Map<String, String> environment;

  private AgentConfig(Map<String, String> environment) {
    this.environment = environment;
  }

  public static AgentConfig fromSystem() {
    return new AgentConfig(System.getenv());
  }

  /** For tests: the given environment instead of the process's. */
  public static AgentConfig of(Map<String, String> environment) {
    return new AgentConfig(Map.copyOf(environment));
  }

  public String get(String key, String defaultValue) {
    String value = System.getProperty(key);
    if (value == null) {
      value = environment.get(environmentName(key));
    }
    return value == null || value.isBlank() ? defaultValue : value.trim();
  }

  public boolean getBoolean(String key, boolean defaultValue) {
    return Boolean.parseBoolean(get(key, Boolean.toString(defaultValue)));
  }

  public static String environmentName(String key) {
    return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }
}
