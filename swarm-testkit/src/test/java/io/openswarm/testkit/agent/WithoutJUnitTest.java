package io.openswarm.testkit.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.openswarm.core.CellId;
import io.openswarm.core.agent.AgentRuntime;
import io.openswarm.core.agent.AgentSession;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scripted agents are for demos and benchmarks as much as for tests: they must work in a JVM
 * that has no JUnit at all, as an application's main class path has none (the testkit's JUnit
 * dependency is optional).
 */
class WithoutJUnitTest {

  @TempDir Path temp;

  @Test
  void aScriptedAgentEditsAWorktreeInAJvmWithoutJUnit() throws Exception {
    String classPath =
        Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
            .filter(
                entry ->
                    !entry.contains("junit")
                        && !entry.contains("opentest4j")
                        && !entry.contains("apiguardian"))
            .collect(Collectors.joining(File.pathSeparator));
    Path worktree = Files.createDirectories(temp.resolve("worktree"));
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                classPath,
                Child.class.getName(),
                worktree.toString(),
                temp.resolve("state").toString()));
    Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
    try {
      String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(child.exitValue()).as(output).isZero();
      assertThat(output).contains("JUnit absent");
      assertThat(worktree.resolve("hello.txt")).hasContent("from a JVM without JUnit");
    } finally {
      child.destroyForcibly();
    }
  }

  /** Runs in the child JVM: proves JUnit is absent, then runs one scripted turn. */
  public static final class Child {
    private Child() {}

    public static void main(String[] args) throws IOException {
      try {
        Class.forName("org.junit.jupiter.api.Test");
        System.out.println("JUnit present");
        System.exit(2);
      } catch (ClassNotFoundException expected) {
        System.out.println("JUnit absent");
      }
      ScriptedAgent agent = ScriptedAgent.newBuilder().promptCommands().build();
      AgentRuntime.Context context =
          new AgentRuntime.Context(
              CellId.of("no-junit"),
              Path.of(args[0]),
              40_000,
              Files.createDirectories(Path.of(args[1])));
      try (AgentSession session = agent.start(context)) {
        session.awaitReady(Duration.ofSeconds(5));
        session.prompt(
            "write hello.txt from a JVM without JUnit",
            Duration.ofSeconds(5),
            AgentSession.Progress.none());
      }
    }
  }
}
