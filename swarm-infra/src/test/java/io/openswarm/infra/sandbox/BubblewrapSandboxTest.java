package io.openswarm.infra.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.openswarm.core.sandbox.CellSandbox;
import io.openswarm.core.sandbox.NetworkAccess;
import io.openswarm.core.sandbox.SandboxPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BubblewrapSandboxTest {

  @TempDir Path temp;

  private final BubblewrapSandbox sandbox =
      new BubblewrapSandbox(Path.of("/usr/bin/bwrap"), "0.8.0");

  @Test
  void wrapsTheCommandUnchangedAfterTheProfile() throws Exception {
    Path worktree = Files.createDirectories(temp.resolve("pool/cell-1"));
    Path state = Files.createDirectories(temp.resolve("state/cell-1"));
    Files.writeString(worktree.resolve(".git"), "gitdir: /repo/.git/worktrees/cell-1\n");
    List<String> command = List.of("sh", "-c", "echo \"$(id)\"\n`id`");
    CellSandbox.Request request =
        new CellSandbox.Request(
            command,
            worktree,
            Map.of("PATH", "/usr/bin", "KEY", "v"),
            SandboxPolicy.forCell(worktree, state));

    CellSandbox.Command wrapped = sandbox.wrap(request);

    List<String> args = wrapped.command();
    assertThat(args.get(0)).isEqualTo("/usr/bin/bwrap");
    assertThat(args.subList(args.indexOf("--") + 1, args.size())).isEqualTo(command);
    assertThat(args)
        .containsSubsequence(
            "--die-with-parent",
            "--new-session",
            "--unshare-pid",
            "--cap-drop",
            "ALL",
            "--ro-bind",
            "/",
            "/",
            "--dev",
            "/dev",
            "--proc",
            "/proc",
            "--tmpfs",
            "/tmp",
            "--bind",
            worktree.toRealPath().toString(),
            worktree.toRealPath().toString(),
            "--bind",
            state.toRealPath().toString(),
            state.toRealPath().toString(),
            "--ro-bind-try",
            worktree.resolve(".git").toRealPath().toString(),
            "--chdir",
            worktree.toString(),
            "--");
    assertThat(args).doesNotContain("--unshare-net");
    assertThat(wrapped.environment()).isEqualTo(Map.of("PATH", "/usr/bin", "KEY", "v"));
    assertThat(wrapped.rootIsLauncher()).isTrue();
  }

  @Test
  void deeperPathsAreMountedLaterSoTheInnermostRuleWins() throws Exception {
    Path pool = Files.createDirectories(temp.resolve("pool"));
    Path worktree = Files.createDirectories(pool.resolve("cell-1"));
    Path secretInside = Files.createDirectories(worktree.resolve("build/secrets"));
    SandboxPolicy policy =
        SandboxPolicy.newBuilder()
            .hidden(secretInside)
            .readOnly(worktree.resolve("missing-is-skipped"))
            .writable(worktree)
            .hidden(pool)
            .build();

    List<String> args =
        sandbox
            .wrap(new CellSandbox.Request(List.of("true"), worktree, Map.of(), policy))
            .command();

    int hidePool = indexOfPair(args, "--tmpfs", pool.toRealPath().toString());
    int bindWorktree = indexOfPair(args, "--bind", worktree.toRealPath().toString());
    int hideSecrets = indexOfPair(args, "--tmpfs", secretInside.toRealPath().toString());
    assertThat(hidePool).isLessThan(bindWorktree);
    assertThat(bindWorktree).isLessThan(hideSecrets);
    assertThat(args).noneMatch(a -> a.contains("missing-is-skipped"));
  }

  @Test
  void unsharesTheNetworkOnRequest() throws Exception {
    SandboxPolicy policy =
        SandboxPolicy.newBuilder().writable(temp).network(NetworkAccess.NONE).build();

    assertThat(
            sandbox
                .wrap(new CellSandbox.Request(List.of("true"), temp, Map.of(), policy))
                .command())
        .contains("--unshare-net");
  }

  @Test
  void aMissingWritablePathIsAClearError() {
    Path missing = temp.resolve("gone");
    SandboxPolicy policy = SandboxPolicy.newBuilder().writable(missing).build();

    assertThatThrownBy(
            () -> sandbox.wrap(new CellSandbox.Request(List.of("true"), temp, Map.of(), policy)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "writable path "
                + missing
                + " does not exist; bubblewrap can only bind existing files and directories");
  }

  @Test
  void describesItself() {
    assertThat(sandbox.name()).isEqualTo("bubblewrap");
    assertThat(sandbox.description()).isEqualTo("bubblewrap 0.8.0 (/usr/bin/bwrap)");
    assertThat(sandbox.isolating()).isTrue();
  }

  private static int indexOfPair(List<String> args, String option, String value) {
    for (int i = 0; i + 1 < args.size(); i++) {
      if (args.get(i).equals(option) && args.get(i + 1).equals(value)) {
        return i;
      }
    }
    throw new AssertionError(
        option + " " + value + " not in " + String.join(" ", args) + Collections.emptyList());
  }

  @Test
  void aToolchainRootComesBackButTheHomeFoldersSharedDotFoldersDoNot() throws Exception {
    Path worktree = Files.createDirectories(temp.resolve("pool/cell-1"));
    Path state = Files.createDirectories(temp.resolve("state/cell-1"));
    Path home = Path.of(System.getProperty("user.home"));
    String path =
        String.join(
            ":",
            home.resolve(".local/bin").toString(),
            home.resolve(".cargo/bin").toString(),
            home.resolve(".nvm/versions/node/v20/bin").toString(),
            home.resolve("bin").toString(),
            "/usr/bin");
    CellSandbox.Request request =
        new CellSandbox.Request(
            List.of("true"),
            worktree,
            Map.of("PATH", path),
            SandboxPolicy.forCell(worktree, state));
    List<String> args = sandbox.wrap(request).command();
    java.util.function.Predicate<Path> bound =
        p -> {
          for (int i = 0; i + 2 < args.size(); i++) {
            if (args.get(i).equals("--ro-bind-try") && args.get(i + 1).equals(p.toString())) {
              return true;
            }
          }
          return false;
        };
    for (Path kept :
        List.of(
            home.resolve(".local/bin"),
            home.resolve(".cargo/bin"),
            home.resolve(".nvm/versions/node/v20/bin"),
            home.resolve(".nvm/versions/node/v20"),
            home.resolve("bin"))) {
      if (Files.exists(kept)) {
        assertThat(bound.test(kept.toRealPath())).as("%s comes back", kept).isTrue();
      }
    }
    for (Path hidden :
        List.of(home, home.resolve(".local"), home.resolve(".cargo"), home.resolve(".config"))) {
      assertThat(bound.test(hidden)).as("%s stays hidden", hidden).isFalse();
    }
  }
}
