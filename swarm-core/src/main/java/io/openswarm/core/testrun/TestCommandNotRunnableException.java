package io.openswarm.core.testrun;

import java.io.IOException;
import java.util.Objects;

/**
 * The test command could not run: its program (or a program it runs, such as a script's
 * interpreter) was not found or could not be executed, on the host or inside the cell's sandbox.
 * Not a verdict on the change: the cell steps report it as the failure type {@code
 * TestCommandNotRunnable} at the TEST step and never revert for it.
 *
 * <p>The message names the program and, when the tests run sandboxed, says so; it never lists the
 * environment (the {@code PATH} in particular), because it ends up in outcomes and workflow
 * histories.
 */
public class TestCommandNotRunnableException extends IOException {

  private static final long serialVersionUID = 1L;

  /** The program of the test command, as configured; never null. */
  private final String program;

  /** The end of what the attempt printed; never null, empty when nothing was started. */
  private final String outputTail;

  /**
   * @param message what could not run and why, naming the program
   * @param program the program of the test command, as configured
   * @param outputTail the end of what the attempt printed, or an empty string
   * @throws NullPointerException if an argument is null
   */
  public TestCommandNotRunnableException(String message, String program, String outputTail) {
    super(Objects.requireNonNull(message, "message cannot be null"));
    this.program = Objects.requireNonNull(program, "program cannot be null");
    this.outputTail = Objects.requireNonNull(outputTail, "outputTail cannot be null");
  }

  /**
   * The program of the test command, as configured (a name looked up on {@code PATH}, or a path).
   *
   * @return the program; never null
   */
  public String program() {
    return program;
  }

  /**
   * The end of what the attempt printed; empty when nothing was started.
   *
   * @return the end of the output, or an empty string
   */
  public String outputTail() {
    return outputTail;
  }
}
