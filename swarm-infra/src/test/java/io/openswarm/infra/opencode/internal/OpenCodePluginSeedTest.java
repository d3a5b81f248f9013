package io.openswarm.infra.opencode.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OpenCodePluginSeedTest {

  @TempDir Path dir;

  /** Lays out what OpenCode's own install leaves in its configuration folder, in miniature. */
  static Path completeInstall(Path folder) throws IOException {
    Path plugin = Files.createDirectories(folder.resolve("node_modules/@opencode-ai/plugin"));
    Files.writeString(
        plugin.resolve("package.json"),
        "{\"name\":\"@opencode-ai/plugin\",\"version\":\"1.18.33\"}");
    Path zod = Files.createDirectories(folder.resolve("node_modules/zod"));
    Files.writeString(zod.resolve("index.js"), "module.exports = {};\n");
    Path bin = Files.createDirectories(folder.resolve("node_modules/.bin"));
    Files.createSymbolicLink(bin.resolve("zod"), Path.of("../zod/index.js"));
    Files.writeString(
        folder.resolve("package.json"), "{\"dependencies\":{\"@opencode-ai/plugin\":\"1.18.33\"}}");
    Files.writeString(
        folder.resolve("package-lock.json"),
        "{\"name\":\"opencode\",\"lockfileVersion\":3,"
            + "\"packages\":{\"\":{\"dependencies\":{\"@opencode-ai/plugin\":\"1.18.33\"}}}}");
    return folder;
  }

  @Test
  void aCompleteInstallNeedsThePluginAndALockListingEveryDeclaredDependency() throws IOException {
    Path install = completeInstall(dir.resolve("config"));
    assertThat(OpenCodePluginSeed.isCompleteInstall(install)).isTrue();

    Files.writeString(
        install.resolve("package.json"),
        "{\"dependencies\":{\"@opencode-ai/plugin\":\"1.18.33\",\"left-pad\":\"1.0.0\"}}");
    assertThat(OpenCodePluginSeed.isCompleteInstall(install))
        .as("declared but not locked")
        .isFalse();

    Path noLock = completeInstall(dir.resolve("no-lock"));
    Files.delete(noLock.resolve("package-lock.json"));
    assertThat(OpenCodePluginSeed.isCompleteInstall(noLock)).isFalse();

    Path lockWithoutPlugin = completeInstall(dir.resolve("lock-without-plugin"));
    Files.writeString(lockWithoutPlugin.resolve("package-lock.json"), "{\"packages\":{\"\":{}}}");
    assertThat(OpenCodePluginSeed.isCompleteInstall(lockWithoutPlugin)).isFalse();

    assertThat(OpenCodePluginSeed.isCompleteInstall(dir.resolve("missing"))).isFalse();
  }

  @Test
  void linkIntoSharesNodeModulesAndCopiesTheSmallFiles() throws IOException {
    OpenCodePluginSeed seed = OpenCodePluginSeed.at(completeInstall(dir.resolve("seed")));
    Path cell = dir.resolve("cell/config/opencode");

    seed.linkInto(cell);
    seed.linkInto(cell);

    assertThat(Files.readSymbolicLink(cell.resolve("node_modules")))
        .isEqualTo(seed.directory().resolve("node_modules"));
    assertThat(Files.isSymbolicLink(cell.resolve("package-lock.json"))).isFalse();
    assertThat(cell.resolve("package-lock.json"))
        .hasSameTextualContentAs(seed.directory().resolve("package-lock.json"));
    assertThat(OpenCodePluginSeed.isCompleteInstall(cell)).isTrue();
  }

  @Test
  void linkingAnUnreadySeedIsALifecycleError() {
    OpenCodePluginSeed seed = OpenCodePluginSeed.at(dir.resolve("empty"));

    assertThat(seed.isReady()).isFalse();
    assertThatThrownBy(() -> seed.linkInto(dir.resolve("cell")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "attempted to link plugin seed " + dir.resolve("empty") + " while it is not ready");
  }

  @Test
  void captureCopiesACompleteInstallIncludingSymlinks() throws IOException {
    Path cell = completeInstall(dir.resolve("cell/config/opencode"));
    OpenCodePluginSeed seed = OpenCodePluginSeed.at(dir.resolve("seeds/1.18.33"));

    assertThat(seed.captureFrom(cell)).isTrue();

    assertThat(seed.isReady()).isTrue();
    assertThat(Files.isSymbolicLink(seed.directory().resolve("node_modules/.bin/zod"))).isTrue();
    assertThat(seed.directory().resolve("node_modules/zod/index.js"))
        .hasContent("module.exports = {};");
    assertThat(leftovers()).isEmpty();
  }

  @Test
  void captureIgnoresIncompleteOrLinkedInstallsAndKeepsAReadySeed() throws IOException {
    OpenCodePluginSeed seed = OpenCodePluginSeed.at(dir.resolve("seed"));
    Path incomplete = Files.createDirectories(dir.resolve("incomplete"));
    assertThat(seed.captureFrom(incomplete)).isFalse();

    completeInstall(seed.directory());
    Path linked = dir.resolve("linked");
    seed.linkInto(linked);
    OpenCodePluginSeed other = OpenCodePluginSeed.at(dir.resolve("other"));
    assertThat(other.captureFrom(linked)).as("a cell that uses a seed is not a source").isFalse();

    Path marker = seed.directory().resolve("marker");
    Files.writeString(marker, "original");
    assertThat(seed.captureFrom(completeInstall(dir.resolve("another-cell")))).isTrue();
    assertThat(marker).hasContent("original");
  }

  @Test
  void concurrentCapturesLeaveOneCompleteSeedAndNoStagingFolders() throws Exception {
    int captures = 6;
    List<Path> cells = new ArrayList<>();
    for (int i = 0; i < captures; i++) {
      cells.add(completeInstall(dir.resolve("cell-" + i)));
    }
    OpenCodePluginSeed seed = OpenCodePluginSeed.at(dir.resolve("seed"));
    CountDownLatch gate = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(captures);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (Path cell : cells) {
        results.add(
            pool.submit(
                () -> {
                  gate.await();
                  return seed.captureFrom(cell);
                }));
      }
      gate.countDown();
      for (Future<Boolean> result : results) {
        assertThat(result.get(30, TimeUnit.SECONDS)).isTrue();
      }
    } finally {
      pool.shutdownNow();
    }

    assertThat(seed.isReady()).isTrue();
    assertThat(leftovers()).isEmpty();
  }

  @Test
  void npmInstallCommandPinsThePluginVersion() {
    OpenCodePluginSeed seed = OpenCodePluginSeed.at(dir.resolve("seed"));

    assertThat(seed.npmInstallCommand(Path.of("/usr/bin/npm"), "1.18.33"))
        .containsExactly(
            "/usr/bin/npm",
            "install",
            "--prefix",
            dir.resolve("seed").toString(),
            "--no-audit",
            "--no-fund",
            "--ignore-scripts",
            "--save-exact",
            "@opencode-ai/plugin@1.18.33");
    assertThatThrownBy(() -> seed.npmInstallCommand(Path.of("npm"), "latest; rm -rf /"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("version must look like 1.18.33 but was 'latest; rm -rf /'");
  }

  private List<Path> leftovers() throws IOException {
    try (Stream<Path> entries = Files.walk(dir, 2)) {
      return entries.filter(p -> p.getFileName().toString().contains(".staging-")).toList();
    }
  }
}
