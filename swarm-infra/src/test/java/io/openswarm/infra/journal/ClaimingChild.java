package io.openswarm.infra.journal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The other JVM of {@link LeaseJournalClaimIT}: claims every {@code parked} record of a journal
 * and, while it holds the claim (inside the first call of the predicate), prints {@code HOLDING}
 * and waits until a release file exists; then prints {@code CLAIMED <n>} and exits.
 *
 * <p>Arguments: {@code <journalDirectory> <releaseFile>}.
 */
public final class ClaimingChild {

  private ClaimingChild() {}

  public static void main(String[] args) throws Exception {
    LeaseJournal journal = LeaseJournal.open(Path.of(args[0]));
    Path release = Path.of(args[1]);
    boolean[] announced = {false};
    int claimed =
        journal
            .claim(
                record -> {
                  if (!announced[0]) {
                    announced[0] = true;
                    System.out.println("HOLDING");
                    System.out.flush();
                    long deadline = System.nanoTime() + 120_000_000_000L;
                    while (!Files.exists(release) && System.nanoTime() < deadline) {
                      try {
                        Thread.sleep(10);
                      } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return false;
                      }
                    }
                  }
                  return "parked".equals(record.attribute("state"));
                },
                record -> record.ownedByCurrentProcess(Map.of("state", "adopting", "by", "child")))
            .size();
    System.out.println("CLAIMED " + claimed);
    System.out.flush();
  }
}
