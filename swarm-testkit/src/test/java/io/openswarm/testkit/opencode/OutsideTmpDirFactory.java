package io.openswarm.testkit.opencode;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.AnnotatedElementContext;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.io.TempDirFactory;

/**
 * Creates test directories under the module's {@code target/} instead of {@code /tmp}: the sandbox
 * gives every cell a private {@code /tmp}, so an escape attempt at a path in {@code /tmp} would
 * fail for the wrong reason. Under {@code target/} the targets are visible inside the sandbox and
 * only its read-only bind stops the writes.
 */
public final class OutsideTmpDirFactory implements TempDirFactory {

  @Override
  public Path createTempDirectory(
      AnnotatedElementContext elementContext, ExtensionContext extensionContext) throws Exception {
    Path base = Files.createDirectories(Path.of("target", "opencode-tests").toAbsolutePath());
    return Files.createTempDirectory(base, "it-");
  }

  /**
   * Whether {@code path} lies in {@code /tmp}, which the sandbox replaces with a private one: when
   * the checkout itself is under {@code /tmp}, a cell's write to a path there finds no folder
   * instead of hitting a read-only bind. It still never reaches the host's file, which the tests
   * assert in any case; only the message differs.
   */
  public static boolean insidePrivateTmp(Path path) {
    return path.toAbsolutePath().normalize().startsWith("/tmp");
  }
}
