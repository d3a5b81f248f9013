package io.openswarm.core.port.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * Cross-process claims on ports through exclusive {@link FileLock}s on {@code
 * <directory>/<port>.lock}.
 *
 * <p>Why file locks: they are the one mutual exclusion that every JVM on a host shares without a
 * coordinator, and the operating system drops them when the holder dies, so a crashed worker can
 * never keep a port claimed.
 *
 * <p>The lock files are never deleted. Deleting one while another process has it open would let a
 * third process create a fresh file of the same name and lock it too, and two owners would hold
 * "the same" port.
 *
 * <p>Thread-safe.
 */
public final class PortLockFiles {

  private final Path directory;

  /**
   * @param directory the lease directory shared by the cooperating JVMs; created if missing
   * @throws UncheckedIOException if the directory cannot be created
   */
  public PortLockFiles(Path directory) {
    this.directory = directory;
    try {
      Files.createDirectories(directory);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the port lease directory " + directory, e);
    }
  }

  /** The shared lease directory. */
  public Path directory() {
    return directory;
  }

  /**
   * Tries to claim {@code port} for this JVM.
   *
   * @return the held claim, or empty if another JVM (or another manager in this JVM) holds it
   * @throws UncheckedIOException if the lock file cannot be opened
   */
  public Optional<Claim> tryClaim(int port) {
    Path file = directory.resolve(port + ".lock");
    FileChannel channel;
    try {
      channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the port lock file " + file, e);
    }
    try {
      FileLock lock = channel.tryLock();
      if (lock != null) {
        return Optional.of(new Claim(channel, lock));
      }
    } catch (OverlappingFileLockException e) {
      // Another PortManager in this JVM holds the port through the same directory.
    } catch (IOException e) {
      closeQuietly(channel);
      throw new UncheckedIOException("cannot lock the port lock file " + file, e);
    }
    closeQuietly(channel);
    return Optional.empty();
  }

  private static void closeQuietly(FileChannel channel) {
    try {
      channel.close();
    } catch (IOException ignored) {
      // Nothing is held through a channel whose lock was not taken.
    }
  }

  /**
   * A held claim; {@link #close()} gives the port back to the other JVMs. Not thread-safe; closed
   * once.
   */
  public static final class Claim implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;

    private Claim(FileChannel channel, FileLock lock) {
      this.channel = channel;
      this.lock = lock;
    }

    /**
     * Releases the lock and closes the file; errors are ignored because the lock dies with the
     * channel anyway.
     */
    @Override
    public void close() {
      try {
        lock.release();
      } catch (IOException ignored) {
        // Closing the channel below releases the lock as well.
      }
      closeQuietly(channel);
    }
  }
}
