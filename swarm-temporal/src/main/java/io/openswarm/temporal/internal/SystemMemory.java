package io.openswarm.temporal.internal;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;

/**
 * How much memory the machine (or the container the JVM runs in) has, and how much of it is
 * available.
 *
 * <p>On Linux, "available" is {@code MemAvailable} of {@code /proc/meminfo}: free memory plus what
 * the kernel can reclaim (page cache), which is what a new agent process can actually get. Inside a
 * container with a memory limit the JVM's {@link com.sun.management.OperatingSystemMXBean} reports
 * the limit and the container's own usage, and it is used instead; so it is elsewhere. Readings are
 * cached for a short while: admission asks many times a second.
 *
 * <p>Thread-safe.
 */
public final class SystemMemory {

  /** One reading. */
  public record Reading(long totalBytes, long availableBytes) {
    /** The used fraction of the total, between 0 and 1. */
    public double usage() {
      return totalBytes <= 0
          ? 0
          : Math.min(1, Math.max(0, 1 - (double) availableBytes / totalBytes));
    }
  }

  /** A source of readings; the system's, or a fixed one in tests. */
  @FunctionalInterface
  public interface Source {
    /** Reads the memory now. */
    Reading read();
  }

  private static final long CACHE_NANOS = 500_000_000L;
  private static final Path MEMINFO = Path.of("/proc/meminfo");

  private final Source source;
  private final long cacheNanos;
  private volatile Reading last = new Reading(0, 0);
  private volatile long lastRead;
  private volatile boolean read;

  private SystemMemory(Source source, long cacheNanos) {
    this.source = source;
    this.cacheNanos = cacheNanos;
  }

  /** The memory of this machine or container, read at most twice a second. */
  public static SystemMemory system() {
    return new SystemMemory(SystemMemory::readSystem, CACHE_NANOS);
  }

  /** Readings from {@code source}, not cached. */
  public static SystemMemory of(Source source) {
    return new SystemMemory(java.util.Objects.requireNonNull(source, "source cannot be null"), 0);
  }

  /** The latest reading, at most half a second old for the system's. */
  public Reading read() {
    long now = System.nanoTime();
    if (!read || now - lastRead >= cacheNanos) {
      last = source.read();
      lastRead = now;
      read = true;
    }
    return last;
  }

  /** The total memory, read once (it does not change while the worker runs). */
  public long totalBytes() {
    return read().totalBytes();
  }

  private static Reading readSystem() {
    long mxTotal = 0;
    long mxFree = 0;
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      mxTotal = os.getTotalMemorySize();
      mxFree = os.getFreeMemorySize();
    }
    OptionalLong memTotal = meminfo("MemTotal:");
    OptionalLong memAvailable = meminfo("MemAvailable:");
    // A container limit below the host's memory: the JVM's view is the container's, and the right
    // one.
    boolean containerLimited =
        mxTotal > 0 && memTotal.isPresent() && mxTotal < memTotal.getAsLong();
    if (!containerLimited && memTotal.isPresent() && memAvailable.isPresent()) {
      return new Reading(memTotal.getAsLong(), memAvailable.getAsLong());
    }
    return new Reading(Math.max(0, mxTotal), Math.max(0, mxFree));
  }

  private static OptionalLong meminfo(String key) {
    try {
      List<String> lines = Files.readAllLines(MEMINFO, StandardCharsets.US_ASCII);
      for (String line : lines) {
        if (line.startsWith(key)) {
          String[] parts = line.substring(key.length()).trim().split("\\s+");
          return OptionalLong.of(Long.parseLong(parts[0]) * 1024);
        }
      }
    } catch (IOException | RuntimeException e) {
      // Not Linux, or /proc unreadable: the JVM's figures are used instead.
    }
    return OptionalLong.empty();
  }
}
