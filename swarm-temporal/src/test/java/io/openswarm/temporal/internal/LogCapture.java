package io.openswarm.temporal.internal;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Records what the tests' SLF4J backend (slf4j-simple, which writes to whatever {@code System.err}
 * is when a line is logged) prints while it is open, and still prints it. Not thread-safe to open
 * twice at once: one per test.
 */
final class LogCapture implements AutoCloseable {

  private final PrintStream original = System.err;
  private final ByteArrayOutputStream recorded = new ByteArrayOutputStream();

  private LogCapture() {
    PrintStream tee =
        new PrintStream(
            new OutputStream() {
              @Override
              public void write(int b) {
                synchronized (recorded) {
                  recorded.write(b);
                }
                original.write(b);
              }

              @Override
              public void write(byte[] bytes, int offset, int length) {
                synchronized (recorded) {
                  recorded.write(bytes, offset, length);
                }
                original.write(bytes, offset, length);
              }
            },
            true,
            StandardCharsets.UTF_8);
    System.setErr(tee);
  }

  /** Starts recording. */
  static LogCapture start() {
    return new LogCapture();
  }

  /** Every line recorded so far. */
  List<String> lines() {
    synchronized (recorded) {
      return recorded.toString(StandardCharsets.UTF_8).lines().toList();
    }
  }

  /** The lines logged at ERROR. */
  List<String> errors() {
    return lines().stream().filter(line -> line.contains("] ERROR ")).toList();
  }

  /** The lines of stack traces ({@code at ...} frames). */
  List<String> stackFrames() {
    return lines().stream().filter(line -> line.startsWith("\tat ")).toList();
  }

  @Override
  public void close() {
    System.setErr(original);
  }
}
