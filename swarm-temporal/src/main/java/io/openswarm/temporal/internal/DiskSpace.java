package io.openswarm.temporal.internal;

import io.openswarm.temporal.SwarmHealth;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The free space of the file systems a worker writes to: the one holding the worktree root (every
 * cell's checkout and build output) and the one holding the state directory (journal, logs,
 * history). When both are on one file system it is read once.
 *
 * <p>{@link FileStore#getUsableSpace()} is a {@code statvfs} call: cheap enough for admission to
 * ask many times a second, so readings are not cached. Tests inject a fixed or changing source
 * through {@link #of(Source)}, the way {@link SystemMemory} is injected.
 *
 * <p>Thread-safe.
 */
public final class DiskSpace {

  /** A source of readings: the file systems' own, or a fake in tests. */
  @FunctionalInterface
  public interface Source {
    /** One reading per distinct file system, in a stable order. */
    List<SwarmHealth.Disk> read();
  }

  private final Source source;

  private DiskSpace(Source source) {
    this.source = source;
  }

  /**
   * The file systems holding {@code paths}; a path that does not exist yet is measured at its
   * nearest existing ancestor (where it will be created).
   */
  public static DiskSpace of(List<Path> paths) {
    List<Path> copy = List.copyOf(Objects.requireNonNull(paths, "paths cannot be null"));
    if (copy.isEmpty()) {
      throw new IllegalArgumentException("paths must name at least one path but was empty");
    }
    return new DiskSpace(() -> readStores(copy));
  }

  /** Readings from {@code source}. */
  public static DiskSpace of(Source source) {
    return new DiskSpace(Objects.requireNonNull(source, "source cannot be null"));
  }

  /**
   * Reads the file systems now.
   *
   * @throws UncheckedIOException if a file system cannot be read
   */
  public List<SwarmHealth.Disk> read() {
    return List.copyOf(source.read());
  }

  private static List<SwarmHealth.Disk> readStores(List<Path> paths) {
    Map<FileStore, SwarmHealth.Disk> byStore = new LinkedHashMap<>();
    for (Path path : paths) {
      Path existing = existingAncestor(path);
      try {
        FileStore store = Files.getFileStore(existing);
        if (!byStore.containsKey(store)) {
          byStore.put(
              store,
              new SwarmHealth.Disk(path.toString(), store.getTotalSpace(), store.getUsableSpace()));
        }
      } catch (IOException e) {
        throw new UncheckedIOException(
            "cannot read the free space of the file system holding " + path, e);
      }
    }
    return new ArrayList<>(byStore.values());
  }

  private static Path existingAncestor(Path path) {
    Path current = path.toAbsolutePath();
    while (current != null && !Files.exists(current)) {
      current = current.getParent();
    }
    return current == null ? path.toAbsolutePath().getRoot() : current;
  }
}
