package io.openswarm.infra.sandbox;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.AnnotatedElementContext;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.io.TempDirFactory;

/**
 * Creates test directories under the module's {@code target/} instead of {@code /tmp}: the sandbox
 * gives every cell a private {@code /tmp}, so escape attempts against paths in {@code /tmp} would
 * fail for the wrong reason. Under {@code target/} the targets are visible inside the sandbox and
 * only the read-only bind stops the writes.
 */
public final class OutsideTmpDirFactory implements TempDirFactory {

  @Override
  public Path createTempDirectory(
      AnnotatedElementContext elementContext, ExtensionContext extensionContext) throws Exception {
    Path base = Files.createDirectories(Path.of("target", "sandbox-tests").toAbsolutePath());
    return Files.createTempDirectory(base, "it-");
  }

  /**
   * Whether {@code path} lies in {@code /tmp}, which the sandbox replaces with a private one: when
   * the checkout itself is under {@code /tmp}, a cell's write to a path there lands in its own
   * private {@code /tmp} (or finds no such folder) instead of hitting a read-only bind. It still
   * never reaches the host's file, which is what the escape tests assert in any case; only the way
   * the attempt fails differs.
   */
  public static boolean insidePrivateTmp(Path path) {
    return path.toAbsolutePath().normalize().startsWith("/tmp");
  }
}
