package io.openswarm.testkit.realrepo;

import static org.assertj.core.api.Assertions.assertThat;

import io.openswarm.core.CellOutcome;
import io.openswarm.core.CellStatus;
import io.openswarm.core.TaskSpec;
import io.openswarm.core.port.PortRange;
import io.openswarm.core.sandbox.CellSandbox;
import io.openswarm.core.sandbox.NetworkAccess;
import io.openswarm.infra.testrun.TestEnvironment;
import io.openswarm.temporal.ConnectionOptions;
import io.openswarm.temporal.SwarmWorker;
import io.openswarm.temporal.TestOptions;
import io.openswarm.testkit.agent.ScriptedAgent;
import io.openswarm.testkit.git.TemporaryRepository;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Maven project with JUnit, built in the test, tested with the real {@code mvn -o} under
 * bubblewrap with no network: the agent adds a dependency (AssertJ) and a test that uses it. With
 * the worker's {@code ~/.m2} named as a cache, the dependency resolves and the cell commits;
 * without it Maven (which takes the home folder from the password database, not {@code $HOME})
 * finds {@code ~/.m2} hidden by the sandbox, the change is reverted, and the outcome says why and
 * what to name. The plugin and library versions are this build's own, so they are in {@code ~/.m2}
 * wherever this suite runs.
 */
class MavenProjectIT {

  private static final String AGENT_TEST =
      String.join(
          "\n",
          "package demo;",
          "",
          "import static org.assertj.core.api.Assertions.assertThat;",
          "",
          "import org.junit.jupiter.api.Test;",
          "",
          "class GreeterFluentTest {",
          "  @Test",
          "  void greetsByName() {",
          "    assertThat(new Greeter().greet(\"Ada\")).startsWith(\"Hello\").endsWith(\"Ada\");",
          "  }",
          "}",
          "");

  @TempDir Path temp;

  @Test
  void aNewDependencyResolvesFromTheNamedCacheAndTheCellCommits() throws IOException {
    Map<String, String> versions = buildVersions();
    TemporaryRepository repo = project(temp.resolve("with-cache"), versions);
    Path m2 = Path.of(System.getProperty("user.home"), ".m2");

    CellOutcome outcome =
        run(repo, versions, "with-cache", TestEnvironment.newBuilder().cache(m2).build());

    assertThat(outcome.status()).as("%s", outcome).isEqualTo(CellStatus.COMMITTED);
    assertThat(repo.show("swarm/fluent", "pom.xml")).contains("assertj-core");
  }

  @Test
  void withoutTheCacheTheChangeIsRevertedAndTheOutcomeSaysWhatToName() throws IOException {
    Map<String, String> versions = buildVersions();
    TemporaryRepository repo = project(temp.resolve("without-cache"), versions);

    CellOutcome outcome = run(repo, versions, "without-cache", TestEnvironment.defaults());

    assertThat(outcome.status()).as("%s", outcome).isEqualTo(CellStatus.REVERTED);
    assertThat(outcome.testOutputTail())
        .contains("Could not create local repository")
        .contains("[openswarm] the tests looked for [~/.m2], which the sandbox hides")
        .contains("TestEnvironment.newBuilder().cache(");
  }

  private static CellOutcome run(
      TemporaryRepository repo,
      Map<String, String> versions,
      String host,
      TestEnvironment environment) {
    ScriptedAgent agent =
        ScriptedAgent.newBuilder()
            .edits(
                prompt ->
                    List.of(
                        ScriptedAgent.FileEdit.write("pom.xml", pom(versions, true)),
                        ScriptedAgent.FileEdit.write(
                            "src/test/java/demo/GreeterFluentTest.java", AGENT_TEST)))
            .build();
    try (SwarmWorker worker =
        SwarmWorker.newBuilder()
            .repository(repo.path())
            .stateDirectory(repo.path().resolveSibling(host + "-state"))
            .connection(ConnectionOptions.newBuilder().hostId(host).build())
            .tests(
                TestOptions.newBuilder()
                    .command(List.of("mvn", "-o", "-q", "-B", "test"))
                    .timeout(java.time.Duration.ofMinutes(5))
                    .environment(environment)
                    .network(NetworkAccess.NONE)
                    .build())
            .agent(agent)
            .sandbox(CellSandbox.Mode.BUBBLEWRAP)
            .ports(new PortRange(24860, 24869))
            .start()) {
      return worker.client().runTcr(TaskSpec.of("fluent", "add AssertJ and a fluent test", "main"));
    }
  }

  private static TemporaryRepository project(Path directory, Map<String, String> versions) {
    return TemporaryRepository.create(directory)
        .write(".gitignore", "target/\n")
        .write("pom.xml", pom(versions, false))
        .write(
            "src/main/java/demo/Greeter.java",
            String.join(
                "\n",
                "package demo;",
                "",
                "public class Greeter {",
                "  public String greet(String name) {",
                "    return \"Hello, \" + name;",
                "  }",
                "}",
                ""))
        .write(
            "src/test/java/demo/GreeterTest.java",
            String.join(
                "\n",
                "package demo;",
                "",
                "import static org.junit.jupiter.api.Assertions.assertEquals;",
                "",
                "import org.junit.jupiter.api.Test;",
                "",
                "class GreeterTest {",
                "  @Test",
                "  void greets() {",
                "    assertEquals(\"Hello, Ada\", new Greeter().greet(\"Ada\"));",
                "  }",
                "}",
                ""))
        .commit("a Maven project with JUnit");
  }

  private static String pom(Map<String, String> v, boolean withAssertj) {
    String assertj =
        withAssertj
            ? String.join(
                    "\n",
                    "    <dependency>",
                    "      <groupId>org.assertj</groupId>",
                    "      <artifactId>assertj-core</artifactId>",
                    "      <version>" + v.get("assertj.version") + "</version>",
                    "      <scope>test</scope>",
                    "    </dependency>")
                + "\n"
            : "";
    return String.join(
        "\n",
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
        "<project xmlns=\"http://maven.apache.org/POM/4.0.0\">",
        "  <modelVersion>4.0.0</modelVersion>",
        "  <groupId>demo</groupId>",
        "  <artifactId>greeter</artifactId>",
        "  <version>1.0</version>",
        "  <properties>",
        "    <maven.compiler.release>17</maven.compiler.release>",
        "    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>",
        "  </properties>",
        "  <dependencyManagement><dependencies><dependency>",
        "    <groupId>org.junit</groupId><artifactId>junit-bom</artifactId>",
        "    <version>"
            + v.get("junit.version")
            + "</version><type>pom</type><scope>import</scope>",
        "  </dependency></dependencies></dependencyManagement>",
        "  <dependencies>",
        "    <dependency>",
        "      <groupId>org.junit.jupiter</groupId>",
        "      <artifactId>junit-jupiter</artifactId>",
        "      <scope>test</scope>",
        "    </dependency>",
        assertj + "  </dependencies>",
        "  <build><plugins>",
        plugin("maven-clean-plugin", v.get("clean-plugin.version")),
        plugin("maven-resources-plugin", v.get("resources-plugin.version")),
        plugin("maven-compiler-plugin", v.get("compiler-plugin.version")),
        plugin("maven-surefire-plugin", v.get("surefire.version")),
        "  </plugins></build>",
        "</project>",
        "");
  }

  private static String plugin(String artifactId, String version) {
    return "    <plugin><groupId>org.apache.maven.plugins</groupId><artifactId>"
        + artifactId
        + "</artifactId><version>"
        + version
        + "</version></plugin>";
  }

  /** The versions this very build uses (so they are in ~/.m2), read from its root pom. */
  private static Map<String, String> buildVersions() throws IOException {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null
        && !(Files.isRegularFile(dir.resolve("pom.xml"))
            && Files.readString(dir.resolve("pom.xml")).contains("<modules>"))) {
      dir = dir.getParent();
    }
    assertThat(dir).as("the project's root pom above %s", Path.of("").toAbsolutePath()).isNotNull();
    String pom = Files.readString(dir.resolve("pom.xml"));
    Map<String, String> versions = new java.util.HashMap<>();
    for (String name :
        List.of(
            "junit.version",
            "assertj.version",
            "clean-plugin.version",
            "resources-plugin.version",
            "compiler-plugin.version",
            "surefire.version")) {
      Matcher m = Pattern.compile("<" + Pattern.quote(name) + ">([^<]+)</").matcher(pom);
      assertThat(m.find()).as("%s in the root pom", name).isTrue();
      versions.put(name, m.group(1).strip());
    }
    return versions;
  }
}
