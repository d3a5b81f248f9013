package io.openswarm.testkit.fault;

import static org.assertj.core.api.Assertions.assertThat;

import io.openswarm.temporal.CapacityOptions;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The soak: thousands of randomized lifecycles with random faults through the local driver, then
 * rounds of randomized TCR workflows and DAGs with random faults on a worker, printing the counts
 * of outcomes, faults and leaks. Not part of the default build (the name matches neither {@code
 * *Test} nor {@code *IT}); run it with
 *
 * <pre>
 * mvn -B -pl swarm-testkit -am verify -Psoak -DskipTests -Dsoak.cycles=5000
 * </pre>
 *
 * <p>Options: {@code soak.cycles} (local lifecycles, 5000), {@code soak.threads} (at once, 4),
 * {@code soak.rounds} (worker rounds of 20 TCR workflows and 4 DAGs, cycles / 250), {@code
 * soak.seed} (7). Fails if anything leaked or ended in a way its task and faults do not explain.
 */
class LifecycleSoak {

  @TempDir Path temp;

  @Test
  void soak() throws Exception {
    int cycles = Integer.getInteger("soak.cycles", 5000);
    int threads = Integer.getInteger("soak.threads", 4);
    int rounds = Integer.getInteger("soak.rounds", Math.max(1, cycles / 250));
    long seed = Long.getLong("soak.seed", 7);

    long start = System.nanoTime();
    RandomLifecycles lifecycles;
    try (LocalCells cells = new LocalCells(temp.resolve("local"), 24400, 24431, 2, 16)) {
      lifecycles = new RandomLifecycles(cells, seed, threads);
      lifecycles.run(cycles, 50);
    }
    long localMillis = (System.nanoTime() - start) / 1_000_000;
    print(
        "local lifecycles (seed " + seed + ", " + threads + " at a time) in " + localMillis + " ms",
        lifecycles.report());

    start = System.nanoTime();
    RandomWorkflows workflows;
    try (FaultyWorker swarm =
        new FaultyWorker(
            temp.resolve("worker"),
            24440,
            24479,
            builder ->
                builder.capacity(
                    CapacityOptions.newBuilder().maxConcurrentActivities(16).build()))) {
      workflows = new RandomWorkflows(swarm, seed);
      for (int round = 0; round < rounds; round++) {
        workflows.run(20, 4);
      }
    }
    print(
        rounds + " rounds of workflows in " + (System.nanoTime() - start) / 1_000_000 + " ms",
        workflows.report());

    assertThat(lifecycles.leaks()).as(lifecycles.report()).isEmpty();
    assertThat(lifecycles.surprises()).as(lifecycles.report()).isEmpty();
    assertThat(workflows.leaks()).as(workflows.report()).isEmpty();
    assertThat(workflows.surprises()).as(workflows.report()).isEmpty();
  }

  private static void print(String title, String report) {
    System.out.println("==== soak: " + title + "\n" + report);
  }
}
