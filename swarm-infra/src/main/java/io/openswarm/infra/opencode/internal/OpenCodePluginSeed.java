package io.openswarm.infra.opencode.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.openswarm.core.files.TreeDeleter;
import io.openswarm.infra.opencode.OpenCodeOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker-wide copy of the npm dependencies OpenCode installs into its configuration folder,
 * linked into every cell so that starting a server makes no network call.
 *
 * <p>Why (measured with OpenCode 1.18.33): when a server creates its first instance it runs, in the
 * background, an npm install of {@value #PLUGIN_PACKAGE} into {@code $XDG_CONFIG_HOME/opencode} —
 * about 64 MB in 28 packages, tens of seconds, and connections to the public registry. It skips the
 * install when that folder already has a {@code node_modules} entry and a {@code package-lock.json}
 * whose root lists every dependency of its {@code package.json} plus the plugin package. A seed is
 * exactly such a folder; {@link #linkInto(Path)} makes a cell's configuration folder point at it (a
 * symbolic link for {@code node_modules}, copies of the two small JSON files), so a cell costs no
 * disk and no download. The server works without the plugin (it only serves user plugins written
 * against it); when no seed is ready the launch writes an {@code .npmrc} with {@code offline=true}
 * into the cell's configuration folder instead, and the install gives up without touching the
 * network.
 *
 * <p>Filling a seed, once per worker: {@link #captureFrom(Path)} copies a complete install from a
 * cell that was allowed to download it ({@link OpenCodeOptions#networkPluginInstall()}), or an
 * operator runs {@link #npmInstallCommand(Path, String)} through the process supervisor. Keep one
 * seed per OpenCode version.
 *
 * <p>Thread-safe: the seed is only read after it is complete, and capturing publishes it with one
 * atomic rename, so concurrent captures (also from several worker JVMs) leave one complete seed.
 */
public final class OpenCodePluginSeed {

  /** The npm package OpenCode installs into its configuration folder. */
  public static final String PLUGIN_PACKAGE = "@opencode-ai/plugin";

  private static final Logger LOG = LoggerFactory.getLogger(OpenCodePluginSeed.class);
  private static final String NODE_MODULES = "node_modules";
  private static final String PACKAGE_JSON = "package.json";
  private static final String PACKAGE_LOCK = "package-lock.json";

  private final Path directory;

  private OpenCodePluginSeed(Path directory) {
    this.directory = directory;
  }

  /**
   * Returns the seed kept in {@code directory}; the folder need not exist yet.
   *
   * @throws NullPointerException if {@code directory} is null
   */
  public static OpenCodePluginSeed at(Path directory) {
    Objects.requireNonNull(directory, "directory cannot be null");
    return new OpenCodePluginSeed(directory.toAbsolutePath().normalize());
  }

  /** The folder that holds (or will hold) the seed. */
  public Path directory() {
    return directory;
  }

  /**
   * Whether the seed holds a complete install that OpenCode will accept without installing again.
   */
  public boolean isReady() {
    return isCompleteInstall(directory);
  }

  /**
   * Whether {@code configDirectory} (an {@code opencode} configuration folder) holds an install
   * OpenCode considers complete: the plugin package is present and the lock file's root lists every
   * declared dependency and the plugin.
   *
   * @throws NullPointerException if {@code configDirectory} is null
   */
  public static boolean isCompleteInstall(Path configDirectory) {
    Objects.requireNonNull(configDirectory, "configDirectory cannot be null");
    Path plugin =
        configDirectory.resolve(NODE_MODULES).resolve(PLUGIN_PACKAGE).resolve(PACKAGE_JSON);
    if (!Files.isRegularFile(plugin)) {
      return false;
    }
    try {
      JsonNode packageJson = Json.MAPPER.readTree(configDirectory.resolve(PACKAGE_JSON).toFile());
      JsonNode lock = Json.MAPPER.readTree(configDirectory.resolve(PACKAGE_LOCK).toFile());
      JsonNode locked = lock.path("packages").path("");
      if (!listed(locked, PLUGIN_PACKAGE)) {
        return false;
      }
      for (String section :
          List.of("dependencies", "devDependencies", "peerDependencies", "optionalDependencies")) {
        for (var names = packageJson.path(section).fieldNames(); names.hasNext(); ) {
          if (!listed(locked, names.next())) {
            return false;
          }
        }
      }
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Makes {@code configDirectory} (a cell's {@code $XDG_CONFIG_HOME/opencode}) use this seed: links
   * its {@code node_modules} to the seed's and copies the two JSON files. An existing {@code
   * node_modules} is left alone.
   *
   * @throws NullPointerException if {@code configDirectory} is null
   * @throws IllegalStateException if the seed is not ready
   * @throws UncheckedIOException if the folder cannot be written
   */
  public void linkInto(Path configDirectory) {
    Objects.requireNonNull(configDirectory, "configDirectory cannot be null");
    if (!isReady()) {
      throw new IllegalStateException(
          "attempted to link plugin seed " + directory + " while it is not ready");
    }
    try {
      Files.createDirectories(configDirectory);
      Path link = configDirectory.resolve(NODE_MODULES);
      if (!Files.exists(link, LinkOption.NOFOLLOW_LINKS)) {
        Files.createSymbolicLink(link, directory.resolve(NODE_MODULES));
      }
      Files.copy(
          directory.resolve(PACKAGE_JSON),
          configDirectory.resolve(PACKAGE_JSON),
          StandardCopyOption.REPLACE_EXISTING);
      Files.copy(
          directory.resolve(PACKAGE_LOCK),
          configDirectory.resolve(PACKAGE_LOCK),
          StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot link plugin seed " + directory + " into " + configDirectory, e);
    }
  }

  /**
   * Fills the seed from {@code configDirectory}, a cell's configuration folder in which OpenCode
   * completed its own install. Does nothing when the seed is already ready or the folder holds no
   * complete install. The copy is made next to the seed and published with one atomic rename; when
   * another capture wins the race, this copy is discarded.
   *
   * @return whether the seed is ready afterwards
   * @throws NullPointerException if {@code configDirectory} is null
   * @throws UncheckedIOException if copying fails
   */
  public boolean captureFrom(Path configDirectory) {
    Objects.requireNonNull(configDirectory, "configDirectory cannot be null");
    if (isReady()) {
      return true;
    }
    if (!isCompleteInstall(configDirectory)
        || Files.isSymbolicLink(configDirectory.resolve(NODE_MODULES))) {
      return false;
    }
    Path staging =
        directory.resolveSibling(directory.getFileName() + ".staging-" + UUID.randomUUID());
    try {
      Files.createDirectories(staging);
      copyTree(configDirectory.resolve(NODE_MODULES), staging.resolve(NODE_MODULES));
      Files.copy(configDirectory.resolve(PACKAGE_JSON), staging.resolve(PACKAGE_JSON));
      Files.copy(configDirectory.resolve(PACKAGE_LOCK), staging.resolve(PACKAGE_LOCK));
      try {
        Files.move(staging, directory, StandardCopyOption.ATOMIC_MOVE);
        LOG.info("OpenCode plugin seed captured from {} into {}", configDirectory, directory);
      } catch (IOException e) {
        // Linux reports a non-empty target of rename(2) as a plain FileSystemException ("Directory
        // not empty"),
        // so the only reliable test of "another capture won" is whether the seed is complete now.
        if (!isReady()) {
          throw e;
        }
        LOG.debug(
            "plugin seed {} was filled by another capture ({}); keeping it",
            directory,
            e.toString());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot capture plugin seed from " + configDirectory + " into " + directory, e);
    } finally {
      deleteQuietly(staging);
    }
    return isReady();
  }

  /**
   * The command that fills this seed with npm, for the process supervisor to run where npm is
   * available.
   *
   * @param npm the npm executable
   * @param version the OpenCode version the seed is for (the plugin is versioned with OpenCode)
   * @return the argument list
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code version} is not a plain version such as {@code
   *     1.18.33}
   */
  public List<String> npmInstallCommand(Path npm, String version) {
    Objects.requireNonNull(npm, "npm cannot be null");
    Objects.requireNonNull(version, "version cannot be null");
    if (!version.matches("[0-9]+\\.[0-9]+\\.[0-9]+([-+][0-9A-Za-z.-]+)?")) {
      throw new IllegalArgumentException(
          "version must look like 1.18.33 but was '" + version + "'");
    }
    return List.of(
        npm.toString(),
        "install",
        "--prefix",
        directory.toString(),
        "--no-audit",
        "--no-fund",
        "--ignore-scripts",
        "--save-exact",
        PLUGIN_PACKAGE + "@" + version);
  }

  @Override
  public String toString() {
    return "OpenCodePluginSeed{" + directory + "}";
  }

  private static boolean listed(JsonNode lockRoot, String name) {
    for (String section :
        List.of("dependencies", "devDependencies", "peerDependencies", "optionalDependencies")) {
      if (lockRoot.path(section).has(name)) {
        return true;
      }
    }
    return false;
  }

  private static void copyTree(Path source, Path target) throws IOException {
    Files.walkFileTree(
        source,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs)
              throws IOException {
            Files.createDirectories(target.resolve(source.relativize(dir).toString()));
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Path to = target.resolve(source.relativize(file).toString());
            if (attrs.isSymbolicLink()) {
              Files.createSymbolicLink(to, Files.readSymbolicLink(file));
            } else {
              Files.copy(file, to, StandardCopyOption.COPY_ATTRIBUTES);
            }
            return FileVisitResult.CONTINUE;
          }
        });
  }

  private static void deleteQuietly(Path root) {
    try {
      TreeDeleter.deleteRecursively(root);
    } catch (IOException e) {
      LOG.warn("cannot delete staging folder {}: {}", root, e.toString());
    }
  }
}
