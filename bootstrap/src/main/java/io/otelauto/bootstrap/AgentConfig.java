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
  /** Globs of main classes or jars whose JVMs are traced whatever else holds ({@code --include}). */
  public static final String INCLUDE = "otel.auto.instrument.include";
  /** Globs of main classes or jars whose JVMs the agent stays dormant in ({@code --exclude}). */
  public static final String EXCLUDE = "otel.auto.instrument.exclude";
  /** When set, only the patchers it names (comma-separated) are applied: {@code attach --patchers a,b}. */
  public static final String ONLY = "otel.auto.instrument.patchers.only";

  private final Map<String, String> environment;
  /** Settings that win over the system properties and the environment: those {@code attach} was given. */
  private final Map<String, String> overrides;

  private AgentConfig(Map<String, String> environment, Map<String, String> overrides) {
    this.environment = environment;
    this.overrides = overrides;
  }

  private AgentConfig(Map<String, String> environment) {
    this(environment, Map.of());
  }

  /**
   * This configuration, with {@code overrides} winning over everything else. Their names are normalized as the
   * SDK's autoconfigure normalizes its own ({@link #normalized}), so {@code OTEL_SERVICE_NAME},
   * {@code otel.service.name} and {@code otel.instrumentation.jdk-http-server.enabled} are all found.
   */
  public AgentConfig with(Map<String, String> overrides) {
    Map<String, String> normalized = new java.util.HashMap<>();
    overrides.forEach((name, value) -> normalized.put(normalized(name), value));
    return new AgentConfig(environment, Map.copyOf(normalized));
  }

  /** A setting's name as compared: lower case, with {@code _} and {@code -} read as {@code .}. */
  public static String normalized(String name) {
    return name.toLowerCase(Locale.ROOT).replace('_', '.').replace('-', '.');
  }

  /** The overrides, as the SDK's autoconfigure takes them. */
  public Map<String, String> overrides() {
    return overrides;
  }

  public static AgentConfig fromSystem() {
    return new AgentConfig(System.getenv());
  }

  /** For tests: the given environment instead of the process's. */
  public static AgentConfig of(Map<String, String> environment) {
    return new AgentConfig(Map.copyOf(environment));
  }

  public String get(String key, String defaultValue) {
    String value = overrides.isEmpty() ? null : overrides.get(normalized(key));
    if (value == null) {
      value = System.getProperty(key);
    }
    if (value == null) {
      value = environment.get(environmentName(key));
    }
    return value == null || value.isBlank() ? defaultValue : value.trim();
  }

  public boolean getBoolean(String key, boolean defaultValue) {
    return Boolean.parseBoolean(get(key, Boolean.toString(defaultValue)));
  }

  /**
   * Whether the patcher {@code name} may be applied: not disabled ({@code otel.instrumentation.NAME.enabled}),
   * and named in {@link #ONLY} when that is set. (String.concat, not +: premain asks, and the first {@code +}
   * would set up invokedynamic string concatenation, milliseconds of start-up.)
   */
  public boolean allows(String name) {
    if (!getBoolean("otel.instrumentation.".concat(name).concat(".enabled"), true)) {
      return false;
    }
    String only = get(ONLY, "");
    if (only.isEmpty()) {
      return true;
    }
    for (String listed : only.split(",")) {
      if (listed.strip().equals(name)) {
        return true;
      }
    }
    return false;
  }

  public static String environmentName(String key) {
    return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }
}
