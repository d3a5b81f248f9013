package io.openswarm.infra.journal;

import io.openswarm.infra.process.ProcessSpec;
import io.openswarm.infra.process.ProcessSupervisor;
import io.openswarm.infra.process.SupervisedProcess;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * The worker JVM of {@link OrphanReaperIT}: journals the processes it starts, starts {@code sleep
 * 600}, prints {@code STARTED <pid>}, then waits to be killed.
 *
 * <p>Arguments: {@code <journalDirectory> <workingDirectory> <logFile>}.
 */
public final class ReaperChild {

  private ReaperChild() {}

  public static void main(String[] args) throws Exception {
    OrphanReaper reaper = new OrphanReaper(LeaseJournal.open(Path.of(args[0])));
    ProcessSupervisor supervisor =
        ProcessSupervisor.newBuilder().listener(reaper.processListener()).build();
    SupervisedProcess sleeper =
        supervisor.start(
            ProcessSpec.newBuilder()
                .command("sleep", "600")
                .workingDirectory(Path.of(args[1]))
                .logFile(Path.of(args[2]))
                .description("an agent that outlives its worker")
                .build());
    System.out.println("STARTED " + sleeper.pid());
    System.out.flush();
    new CountDownLatch(1).await();
  }
}
