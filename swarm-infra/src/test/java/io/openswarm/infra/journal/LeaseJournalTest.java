package io.openswarm.infra.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.openswarm.infra.process.ProcessIdentity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LeaseJournalTest {

  @TempDir Path temp;

  @Test
  void writesARecordThatReadsBackEqual() {
    LeaseJournal journal = LeaseJournal.open(temp.resolve("journal"));
    LeaseRecord record =
        LeaseRecord.ofCurrentProcess(
            LeaseKind.WORKTREE, "wt-1", Map.of("path", "/pool/wt-1", "branch", "swarm/cell-1"));

    journal.record(record);

    assertThat(journal.records()).containsExactly(record);
    assertThat(journal.find(LeaseKind.WORKTREE, "wt-1")).contains(record);
    assertThat(record.owner()).isEqualTo(ProcessIdentity.current());
    assertThat(record.sessionId()).isEqualTo(LeaseJournal.sessionId());
  }

  @Test
  void writesTheDocumentedFormat() throws Exception {
    LeaseJournal journal = LeaseJournal.open(temp);
    ProcessIdentity owner = new ProcessIdentity(4242, Instant.parse("2025-06-01T10:00:00.123Z"));
    journal.record(
        new LeaseRecord(
            LeaseKind.PORT,
            "8080",
            owner,
            "session-1",
            Instant.parse("2025-06-01T10:00:05.456Z"),
            Map.of("cellId", "cell-1")));

    JsonNode json = new ObjectMapper().readTree(temp.resolve("port-8080.json").toFile());

    assertThat(json.toString())
        .isEqualTo(
            "{\"version\":1,\"kind\":\"PORT\",\"key\":\"8080\","
                + "\"owner\":{\"pid\":4242,\"startTime\":\"2025-06-01T10:00:00.123Z\"},\"session\":\"session-1\","
                + "\"createdAt\":\"2025-06-01T10:00:05.456Z\",\"attributes\":{\"cellId\":\"cell-1\"}}");
  }

  @Test
  void replacesARecordAtomicallyAndLeavesNoTemporaryFile() throws Exception {
    LeaseJournal journal = LeaseJournal.open(temp);
    LeaseRecord first =
        LeaseRecord.ofCurrentProcess(LeaseKind.WORKTREE, "wt-1", Map.of("state", "idle"));
    journal.record(first);

    journal.record(first.withAttributes(Map.of("state", "leased", "cellId", "c")));

    assertThat(journal.records())
        .singleElement()
        .satisfies(
            r ->
                assertThat(r.attributes())
                    .containsExactly(Map.entry("cellId", "c"), Map.entry("state", "leased")));
    try (Stream<Path> files = Files.list(temp)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("worktree-wt-1.json");
    }
  }

  @Test
  void aRecordForProcessCrashesReplacesAndReadsBackTheSameWay() throws Exception {
    LeaseJournal journal = LeaseJournal.open(temp);
    LeaseRecord first =
        LeaseRecord.ofCurrentProcess(LeaseKind.WORKTREE, "wt-1", Map.of("state", "idle"));
    journal.record(first);

    journal.record(
        first.withAttributes(Map.of("state", "leased")), LeaseJournal.Durability.PROCESS_CRASH);

    // Another journal on the directory (as another JVM) reads the unflushed write: it is with the
    // operating system.
    assertThat(LeaseJournal.open(temp).records())
        .singleElement()
        .satisfies(r -> assertThat(r.attributes()).containsExactly(Map.entry("state", "leased")));
    try (Stream<Path> files = Files.list(temp)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("worktree-wt-1.json");
    }
    assertThatThrownBy(() -> journal.record(first, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("durability cannot be null");
  }

  @Test
  void removesIdempotently() {
    LeaseJournal journal = LeaseJournal.open(temp);
    journal.record(LeaseRecord.ofCurrentProcess(LeaseKind.PROCESS, "agent-1", Map.of()));

    assertThat(journal.remove(LeaseKind.PROCESS, "agent-1")).isTrue();
    assertThat(journal.remove(LeaseKind.PROCESS, "agent-1")).isFalse();
    assertThat(journal.records()).isEmpty();
    assertThat(journal.find(LeaseKind.PROCESS, "agent-1")).isEmpty();
  }

  @Test
  void kindsHaveSeparateKeySpaces() {
    LeaseJournal journal = LeaseJournal.open(temp);
    journal.record(LeaseRecord.ofCurrentProcess(LeaseKind.PORT, "1", Map.of()));
    journal.record(LeaseRecord.ofCurrentProcess(LeaseKind.PROCESS, "1", Map.of()));

    assertThat(journal.records())
        .extracting(LeaseRecord::kind)
        .containsExactlyInAnyOrder(LeaseKind.PORT, LeaseKind.PROCESS);
  }

  @Test
  void reportsAndSkipsFilesItCannotRead() throws Exception {
    LeaseJournal journal = LeaseJournal.open(temp);
    LeaseRecord good = LeaseRecord.ofCurrentProcess(LeaseKind.WORKTREE, "good", Map.of());
    journal.record(good);
    Files.writeString(temp.resolve("worktree-garbage.json"), "not json at all {");
    Files.writeString(temp.resolve("worktree-truncated.json"), "{\"version\":1,\"kind\":\"WORK");
    Files.writeString(temp.resolve("worktree-empty.json"), "");
    Files.writeString(temp.resolve("worktree-nokey.json"), "{\"version\":1,\"kind\":\"WORKTREE\"}");
    Files.writeString(
        temp.resolve("worktree-future.json"),
        Files.readString(temp.resolve("worktree-good.json"))
            .replace("\"version\" : 1", "\"version\" : 2"));
    Files.writeString(
        temp.resolve("worktree-unknown.json"),
        Files.readString(temp.resolve("worktree-good.json")).replace("WORKTREE", "SPACESHIP"));
    Files.writeString(
        temp.resolve("port-renamed.json"), Files.readString(temp.resolve("worktree-good.json")));

    LeaseJournal.Scan scan = journal.scan();

    assertThat(scan.records()).containsExactly(good);
    assertThat(scan.unreadable())
        .containsOnlyKeys(
            temp.resolve("worktree-garbage.json"),
            temp.resolve("worktree-truncated.json"),
            temp.resolve("worktree-empty.json"),
            temp.resolve("worktree-nokey.json"),
            temp.resolve("worktree-future.json"),
            temp.resolve("worktree-unknown.json"),
            temp.resolve("port-renamed.json"));
    assertThat(scan.unreadable().get(temp.resolve("worktree-future.json")))
        .contains("unsupported record version 2");
    assertThat(scan.unreadable().get(temp.resolve("worktree-unknown.json")))
        .contains("unknown kind");
    assertThat(scan.unreadable().get(temp.resolve("port-renamed.json")))
        .contains("file name does not match");
    assertThat(journal.records()).containsExactly(good);
    assertThat(journal.orphans()).isEmpty();
  }

  @Test
  void anOrphanIsARecordWhoseOwnerHasExited() throws Exception {
    Process child = new ProcessBuilder("git", "cat-file", "--batch").start();
    ProcessIdentity childIdentity = ProcessIdentity.of(child.toHandle()).orElseThrow();
    LeaseJournal journal = LeaseJournal.open(temp);
    LeaseRecord ours = LeaseRecord.ofCurrentProcess(LeaseKind.PORT, "8000", Map.of());
    LeaseRecord childs =
        new LeaseRecord(LeaseKind.PORT, "8001", childIdentity, "other", Instant.now(), Map.of());
    LeaseRecord pidReused =
        new LeaseRecord(
            LeaseKind.PORT,
            "8002",
            new ProcessIdentity(
                ProcessHandle.current().pid(),
                ProcessIdentity.current().startTime().minusSeconds(5)),
            "older",
            Instant.now(),
            Map.of());
    journal.record(ours);
    journal.record(childs);
    journal.record(pidReused);

    assertThat(journal.orphans()).containsExactly(pidReused);

    child.getOutputStream().close();
    assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();

    assertThat(journal.orphans()).containsExactly(childs, pidReused);
  }

  @Test
  void deletesOnlyStaleTemporaryFilesWhenOpened() throws Exception {
    Path stale = Files.writeString(temp.resolve(".worktree-a.json.abc.1.tmp"), "{");
    Files.setLastModifiedTime(stale, FileTime.from(Instant.now().minus(2, ChronoUnit.HOURS)));
    Path fresh = Files.writeString(temp.resolve(".worktree-b.json.abc.2.tmp"), "{");

    LeaseJournal.open(temp);

    assertThat(stale).doesNotExist();
    assertThat(fresh).exists();
  }

  @Test
  void concurrentWritersOfDifferentKeysAllSucceed() throws Exception {
    LeaseJournal journal = LeaseJournal.open(temp);
    int writers = 8;
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int i = 0; i < writers; i++) {
        int id = i;
        futures.add(
            pool.submit(
                () -> {
                  start.await();
                  for (int round = 0; round < 20; round++) {
                    journal.record(
                        LeaseRecord.ofCurrentProcess(
                            LeaseKind.PORT, "p" + id, Map.of("round", Integer.toString(round))));
                  }
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> future : futures) {
        future.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }

    List<LeaseRecord> records = journal.records();
    assertThat(records)
        .extracting(LeaseRecord::key)
        .containsExactlyInAnyOrderElementsOf(
            IntStream.range(0, writers).mapToObj(i -> "p" + i).collect(Collectors.toList()));
    assertThat(records).allSatisfy(r -> assertThat(r.attribute("round")).isEqualTo("19"));
  }

  @Test
  void concurrentClaimantsTakeEachClaimableRecordOnce() throws Exception {
    LeaseJournal journal = LeaseJournal.open(temp);
    int records = 20;
    for (int i = 0; i < records; i++) {
      journal.record(
          LeaseRecord.ofCurrentProcess(LeaseKind.WORKTREE, "wt-" + i, Map.of("state", "parked")));
    }
    journal.record(
        LeaseRecord.ofCurrentProcess(LeaseKind.WORKTREE, "busy", Map.of("state", "leased")));
    int claimants = 4;
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(claimants);
    List<LeaseRecord> claimed = new ArrayList<>();
    try {
      List<Future<List<LeaseRecord>>> futures = new ArrayList<>();
      for (int i = 0; i < claimants; i++) {
        String claimant = "claimant-" + i;
        // Each opens the journal on its own, as pools of different JVMs do.
        LeaseJournal own = LeaseJournal.open(temp);
        futures.add(
            pool.submit(
                () -> {
                  start.await();
                  return own.claim(
                      record -> "parked".equals(record.attribute("state")),
                      record ->
                          record.ownedByCurrentProcess(
                              Map.of("state", "adopting", "by", claimant)));
                }));
      }
      start.countDown();
      for (Future<List<LeaseRecord>> future : futures) {
        claimed.addAll(future.get(60, TimeUnit.SECONDS));
      }
    } finally {
      pool.shutdownNow();
    }

    assertThat(claimed).extracting(LeaseRecord::key).doesNotHaveDuplicates().hasSize(records);
    assertThat(journal.records())
        .filteredOn(r -> r.key().startsWith("wt-"))
        .allSatisfy(r -> assertThat(r.attribute("state")).isEqualTo("adopting"))
        .containsExactlyInAnyOrderElementsOf(claimed);
    assertThat(journal.find(LeaseKind.WORKTREE, "busy").orElseThrow().attribute("state"))
        .isEqualTo("leased");
    assertThat(journal.scan().unreadable()).isEmpty();
  }

  @Test
  void aClaimMustKeepTheRecordsKindAndKey() {
    LeaseJournal journal = LeaseJournal.open(temp);
    journal.record(
        LeaseRecord.ofCurrentProcess(LeaseKind.WORKTREE, "wt-1", Map.of("state", "parked")));

    assertThatIllegalArgumentException()
        .isThrownBy(
            () ->
                journal.claim(
                    record -> true,
                    record -> LeaseRecord.ofCurrentProcess(LeaseKind.WORKTREE, "wt-2", Map.of())))
        .withMessageContaining("must keep the kind and key of WORKTREE wt-1");
    assertThat(journal.find(LeaseKind.WORKTREE, "wt-1").orElseThrow().attribute("state"))
        .isEqualTo("parked");
  }

  @Test
  void theSessionIdIsFixedForTheJvm() {
    assertThat(LeaseJournal.sessionId())
        .matches("[0-9a-f]{32}")
        .isEqualTo(LeaseJournal.sessionId());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "../x", "a/b", ".hidden", "a b", "x\0y"})
  void rejectsKeysThatAreNotSafeFileNames(String key) {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> LeaseRecord.ofCurrentProcess(LeaseKind.PORT, key, Map.of()))
        .withMessageStartingWith("a lease key must be 1 to 128 characters");
  }

  @Test
  void rejectsOverlongKeys() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> LeaseRecord.ofCurrentProcess(LeaseKind.PORT, "k".repeat(129), Map.of()));
  }
}
