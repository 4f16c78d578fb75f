package io.otelauto.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.otelauto.launcher.DistributionIT.Result;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The one full collection the agent asks for once a server has answered its first request
 * (ServerStartCollection), seen in the JVM's own GC log: real JVMs through the launcher.
 */
class ServerStartCollectionIT {
  private static final String FULL_COLLECTION = "Pause Full (System.gc())";

  static Iterable<Path> jdks() {
    return DistributionIT.jdks();
  }

  /** {@code HeapThenServer PROGRAM...} under the launcher with --debug, the JVM's GC log on stderr. */
  private static Result run(Path jdk, Map<String, String> environment, String... program) throws Exception {
    return run(jdk, environment, List.of(), program);
  }

  private static Result run(Path jdk, Map<String, String> environment, List<String> jvmOptions, String... program)
      throws Exception {
    List<String> command = new ArrayList<>(List.of("--debug", "java", "-Xlog:gc:stderr"));
    command.addAll(jvmOptions);
    command.addAll(List.of("-cp", DistributionIT.TEST_CLASSES.toString(), HeapThenServer.class.getName()));
    command.addAll(List.of(program));
    return DistributionIT.run(DistributionIT.LAUNCHER, jdk, environment, command.toArray(new String[0]));
  }

  private static int fullCollections(String log) {
    int count = 0;
    for (int at = log.indexOf(FULL_COLLECTION); at >= 0; at = log.indexOf(FULL_COLLECTION, at + 1)) {
      count++;
    }
    return count;
  }

  @ParameterizedTest
  @MethodSource("jdks")
  void aServerWithFewOldObjectsIsCollectedOnceAfterItsFirstRequest(Path jdk) throws Exception {
    Result result = run(jdk, Map.of(), "server", "0");

    assertThat(result.status()).as(result.err()).isZero();
    assertThat(result.out()).isEqualTo("response: pong\n");
    assertThat(fullCollections(result.err())).as(result.err()).isEqualTo(1);
    Matcher collected = Pattern.compile("Patched jdk-http-server .*One full collection after the first request: "
        + "\\d+ MiB of old objects, \\d+ ms", Pattern.DOTALL).matcher(result.err());
    assertThat(collected.find()).as(result.err()).isTrue();
    assertThat(result.err()).contains("span \"GET /ping\" kind=SERVER");
  }

  @Test
  void theSettingTurnsItOff() throws Exception {
    Result result =
        run(DistributionIT.jdk(), Map.of("OTEL_AUTO_INSTRUMENT_COLLECT_AT_SERVER_START", "false"), "server", "0");

    assertThat(result.status()).as(result.err()).isZero();
    assertThat(result.out()).isEqualTo("response: pong\n");
    assertThat(fullCollections(result.err())).as(result.err()).isZero();
    assertThat(result.err()).contains("Patched jdk-http-server").doesNotContain("full collection");
  }

  @Test
  void aServerWithMoreOldObjectsThanTheBoundIsNotCollected() throws Exception {
    // A heap of 512 MiB has regions of 1 MiB: each kept array is humongous, old from its allocation, whatever
    // the machine's memory makes of the default heap.
    Result result = run(DistributionIT.jdk(), Map.of(), List.of("-Xmx512m"), "server", "96");

    assertThat(result.status()).as(result.err()).isZero();
    assertThat(result.out()).isEqualTo("response: pong\n");
    assertThat(fullCollections(result.err())).as(result.err()).isZero();
    assertThat(result.err()).containsPattern("No collection after the first request: \\d+ MiB of old objects");
  }

  @Test
  void aServerCollectedByAnotherCollectorThanG1IsNotCollected() throws Exception {
    Result result = run(DistributionIT.jdk(), Map.of(), List.of("-XX:+UseSerialGC"), "server", "0");

    assertThat(result.status()).as(result.err()).isZero();
    assertThat(result.out()).isEqualTo("response: pong\n");
    assertThat(result.err()).contains("No collection after the first request: the collector is not G1")
        .doesNotContain(FULL_COLLECTION);
  }

  @Test
  void aProgramThatServesNothingIsNotCollected() throws Exception {
    Result result = run(DistributionIT.jdk(), Map.of(), "client");

    assertThat(result.status()).as(result.err()).isZero();
    assertThat(result.out()).isEqualTo("refused\n");
    assertThat(result.err()).contains("Patched jdk-url-connection").doesNotContain("collection after");
    assertThat(fullCollections(result.err())).as(result.err()).isZero();
  }
}
