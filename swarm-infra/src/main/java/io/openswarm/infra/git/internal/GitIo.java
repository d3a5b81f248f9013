package io.openswarm.infra.git.internal;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The shared threads that pump the standard streams of git child processes.
 *
 * <p>Daemon threads from a cached pool: pumping is short-lived blocking I/O, a few threads per
 * running git command, and an idle pool shrinks to nothing. Daemon so that a stream held open by a
 * stray grandchild never keeps the JVM alive. Thread-safe.
 */
public final class GitIo {

  private static final ExecutorService EXECUTOR =
      Executors.newCachedThreadPool(
          new ThreadFactory() {
            private final AtomicInteger next = new AtomicInteger();

            @Override
            public Thread newThread(Runnable task) {
              Thread thread = new Thread(task, "swarm-git-io-" + next.incrementAndGet());
              thread.setDaemon(true);
              return thread;
            }
          });

  private GitIo() {}

  /** The executor that runs stream pumps. */
  public static ExecutorService executor() {
    return EXECUTOR;
  }
}
