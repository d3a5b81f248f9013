package io.openswarm.infra.agent;

import io.openswarm.core.CellId;
import io.openswarm.core.agent.AgentRuntime;
import io.openswarm.core.agent.AgentSession;
import io.openswarm.core.sandbox.CellSandbox;
import io.openswarm.infra.process.ProcessSupervisor;
import io.openswarm.infra.sandbox.SandboxDetector;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The "worker" JVM of {@code PromptLocaleIT}, started in the locale under test: one command-agent
 * turn in a bubblewrap cell, with the prompt passed as {@code {prompt}} or {@code {promptFile}}.
 *
 * <p>{@code <prompt|promptFile> <agent script> <worktree> <state>}. The prompt is built here, not
 * passed in, so that it never crosses this JVM's own (locale-dependent) command line. Prints {@code
 * ENCODING <argv charsets>}, then {@code DONE} when the turn ended, or {@code REFUSED <message>}
 * when the agent refused the prompt.
 */
public final class PromptLocaleChild {

  /** The prompt of the report: a file name with a non-ASCII letter. */
  static final String PROMPT = "write notes/caf\u00e9.txt";

  private PromptLocaleChild() {}

  public static void main(String[] args) throws Exception {
    String placeholder =
        args[0].equals("prompt") ? CommandTemplate.PROMPT : CommandTemplate.PROMPT_FILE;
    Path script = Path.of(args[1]);
    AgentRuntime.Context context =
        new AgentRuntime.Context(CellId.of("cell-1"), Path.of(args[2]), 8123, Path.of(args[3]));
    System.out.println(
        "ENCODING "
            + System.getProperty("sun.jnu.encoding")
            + " "
            + System.getProperty("file.encoding"));
    try (ProcessSupervisor supervisor =
        ProcessSupervisor.newBuilder()
            .sandbox(SandboxDetector.system().select(CellSandbox.Mode.BUBBLEWRAP))
            .build()) {
      AgentSession session =
          CommandAgent.newBuilder(supervisor)
              .command(script.toString(), args[0], placeholder)
              .build()
              .start(context);
      try {
        session.prompt(PROMPT, Duration.ofSeconds(60), progress -> {});
        System.out.println("DONE");
      } catch (IllegalArgumentException e) {
        System.out.println("REFUSED " + e.getMessage());
      } finally {
        session.close();
      }
    }
  }
}
