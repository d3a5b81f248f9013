package io.openswarm.testkit.fault;

import static org.assertj.core.api.Assertions.assertThat;

import io.openswarm.core.files.TreeDeleter;
import io.openswarm.core.port.PortRange;
import io.openswarm.infra.journal.LeaseJournal;
import io.openswarm.infra.journal.LeaseKind;
import io.openswarm.infra.journal.LeaseRecord;
import io.openswarm.infra.process.ProcessIdentity;
import io.openswarm.temporal.ConnectionOptions;
import io.openswarm.temporal.SwarmWorker;
import io.openswarm.testkit.agent.ScriptedAgent;
import io.openswarm.testkit.git.TemporaryRepository;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker starts on a state directory where a dead worker's cell left a tree deeper than the path
 * limit: the tree is deleted and nothing stops the start (it used to fail every start with "File
 * name too long").
 */
class DeadOwnersDeepTreeIT {

  /** An owner that is certainly not alive: a PID beyond the kernel's limit. */
  private static final ProcessIdentity DEAD =
      new ProcessIdentity(Integer.MAX_VALUE - 7, Instant.parse("2020-01-01T00:00:00Z"));

  @TempDir Path temp;

  private SwarmWorker worker;

  @AfterEach
  void stopWorker() throws IOException {
    if (worker != null) {
      worker.close();
    }
    // @TempDir cannot delete what is deeper than PATH_MAX, should the test fail.
    TreeDeleter.deleteRecursively(temp.resolve("state"));
  }

  @Test
  void aWorkerStartsOnAStateDirectoryWhereADeadCellNestedDirectoriesBeyondThePathLimit()
      throws IOException {
    TemporaryRepository repo =
        TemporaryRepository.create(temp.resolve("repo"))
            .write("test.sh", "#!/bin/sh\ntrue\n")
            .executable("test.sh")
            .commit("a project");
    Path state = temp.resolve("state");
    Path deadCells = Files.createDirectories(state.resolve("cells/0123456789ab/cell-1/home"));
    deepTree(deadCells, "nest", 40);
    LeaseJournal.open(state.resolve("journal"))
        .record(
            new LeaseRecord(
                LeaseKind.DIRECTORY,
                "cells-0123456789ab",
                DEAD,
                "0".repeat(32),
                Instant.now(),
                Map.of("path", state.resolve("cells/0123456789ab").toString())));

    worker =
        SwarmWorker.newBuilder()
            .repository(repo.path())
            .stateDirectory(state)
            .testCommand(List.of("sh", "test.sh"))
            .connection(ConnectionOptions.newBuilder().hostId("deep-tree-host").build())
            .agent(ScriptedAgent.newBuilder().build())
            .ports(new PortRange(21160, 21170))
            .start();

    assertThat(state.resolve("cells/0123456789ab")).doesNotExist();
    assertThat(state.resolve("quarantine")).as("deleted, not moved aside").doesNotExist();
  }

  /**
   * {@code depth} nested directories of 200-character names, built bottom-up with renames of short
   * paths.
   */
  private static void deepTree(Path parent, String name, int depth) throws IOException {
    Path top = Files.createDirectory(parent.resolve(name));
    Files.writeString(top.resolve("leaf.txt"), "bottom");
    Path staging = parent.resolve(name + ".staging");
    for (int level = 1; level < depth; level++) {
      Files.createDirectory(staging);
      Files.move(top, staging.resolve("d".repeat(200)));
      Files.move(staging, top);
    }
  }
}
