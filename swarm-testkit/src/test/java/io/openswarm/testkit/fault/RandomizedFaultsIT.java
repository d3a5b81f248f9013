package io.openswarm.testkit.fault;

import static org.assertj.core.api.Assertions.assertThat;

import io.openswarm.temporal.CapacityOptions;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * About 200 randomized lifecycles, and randomized TCR workflows and DAGs on a worker, with random
 * faults, three at a time, driven by the local {@code CellLifecycle} over real parts, with a shared
 * integration branch that concurrent cells really race and conflict on. Every invariant is checked
 * after each batch; no cycle may leak or end in a way its task and faults do not explain. The seed
 * is fixed, so a failure can be replayed; {@code -Dfaults.seed=N} tries another one.
 */
class RandomizedFaultsIT {

  private static final Logger log = LoggerFactory.getLogger(RandomizedFaultsIT.class);

  @TempDir Path temp;

  @Test
  void twoHundredRandomLifecyclesWithRandomFaultsLeakNothing() throws Exception {
    long seed = Long.getLong("faults.seed", 7);
    // One idle worktree at most while three cells run at a time: leases take the cold and the warm
    // path both often.
    try (LocalCells cells = new LocalCells(temp, 24300, 24315, 0, 1, 8)) {
      RandomLifecycles run = new RandomLifecycles(cells, seed, 3);
      long start = System.nanoTime();

      run.run(200, 25);

      log.info(
          "randomized lifecycles (seed {}) in {} ms:\n{}",
          seed,
          (System.nanoTime() - start) / 1_000_000,
          run.report());
      assertThat(run.cycles()).isEqualTo(200);
      assertThat(run.leaks()).as(run.report()).isEmpty();
      assertThat(run.surprises()).as(run.report()).isEmpty();
      assertThat(run.distinctPointsFired())
          .as(run.report())
          .isEqualTo(FaultInjector.Point.values().length);
    }
  }

  @Test
  void randomWorkflowsAndDagsWithRandomFaultsLeakNothing() throws Exception {
    long seed = Long.getLong("faults.seed", 7);
    try (FaultyWorker swarm =
        new FaultyWorker(
            temp,
            24320,
            24339,
            builder ->
                builder.capacity(
                    CapacityOptions.newBuilder().maxConcurrentActivities(8).build()))) {
      RandomWorkflows run = new RandomWorkflows(swarm, seed);
      long start = System.nanoTime();

      run.run(12, 2);

      log.info(
          "randomized workflows (seed {}) in {} ms:\n{}",
          seed,
          (System.nanoTime() - start) / 1_000_000,
          run.report());
      assertThat(run.leaks()).as(run.report()).isEmpty();
      assertThat(run.surprises()).as(run.report()).isEmpty();
    }
  }
}
