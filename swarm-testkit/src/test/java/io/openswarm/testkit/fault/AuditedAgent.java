package io.openswarm.testkit.fault;

import io.openswarm.core.agent.AgentRuntime;
import io.openswarm.core.agent.AgentSession;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;

/**
 * Writes when a cell's agent works, and on what, to an audit file shared by several JVMs: {@code
 * START <pid> <cell> <port> <worktree>} once the agent is ready (its process holds the port) and
 * {@code STOP <pid> <cell>} just before it is stopped. Each line is appended under an exclusive
 * file lock, so the file's order is the order in which the lines were written across JVMs, and the
 * interval between a cell's two lines lies within its real use of the port and worktree.
 */
final class AuditedAgent implements AgentRuntime {

  private final AgentRuntime delegate;
  private final Path audit;

  AuditedAgent(AgentRuntime delegate, Path audit) {
    this.delegate = delegate;
    this.audit = audit;
  }

  @Override
  public String name() {
    return delegate.name();
  }

  @Override
  public AgentSession start(AgentRuntime.Context context) {
    AgentSession session = delegate.start(context);
    return new AgentSession() {
      private volatile boolean started;

      @Override
      public void awaitReady(Duration timeout) {
        session.awaitReady(timeout);
        started = true;
        append(
            "START "
                + ProcessHandle.current().pid()
                + " "
                + context.cellId()
                + " "
                + context.port()
                + " "
                + context.worktree());
      }

      @Override
      public AgentSession.Turn prompt(
          String prompt, Duration timeout, AgentSession.Progress progress) {
        return session.prompt(prompt, timeout, progress);
      }

      @Override
      public void abort() {
        session.abort();
      }

      @Override
      public void close() {
        if (started) {
          started = false;
          append("STOP " + ProcessHandle.current().pid() + " " + context.cellId());
        }
        session.close();
      }
    };
  }

  /**
   * A file lock belongs to the whole JVM: a second thread of this JVM asking for it while the first
   * holds it gets an {@code OverlappingFileLockException} rather than waiting. So threads of one
   * JVM take turns here first.
   */
  private static final Object IN_JVM = new Object();

  private void append(String line) {
    synchronized (IN_JVM) {
      appendLocked(line);
    }
  }

  private void appendLocked(String line) {
    try (FileChannel channel =
        FileChannel.open(
            audit,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.APPEND)) {
      FileLock lock = channel.lock();
      try {
        channel.write(ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8)));
      } finally {
        lock.release();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the audit " + audit, e);
    }
  }
}
