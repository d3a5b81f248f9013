package io.openswarm.temporal;

import java.time.Duration;
import java.util.Objects;

/**
 * The thresholds at which {@link SwarmWorker#health()} warns, by default the performance guide's alert thresholds:
 * error rate above 1 %, fewer than 10 available ports, a backlog above 100, memory use above 90 %. The error rate is
 * taken over the last {@linkplain #errorRateWindow() 15 minutes}.
 *
 * <pre>{@code
 * HealthThresholds thresholds = HealthThresholds.newBuilder().maxBacklog(20).build();
 * }</pre>
 *
 * <p>The memory threshold is also the ceiling of admission: a worker starts a new cell only if the machine's memory
 * use stays below it with the cell's budget added.
 *
 * <p>Immutable and thread-safe.
 */
public final class HealthThresholds {

  private static final HealthThresholds DEFAULTS = newBuilder().build();

  private final double maxErrorRate;
  private final int minAvailablePorts;
  private final long maxBacklog;
  private final double maxMemoryUsage;
  private final Duration errorRateWindow;

  private HealthThresholds(Builder builder) {
    this.maxErrorRate = builder.maxErrorRate;
    this.minAvailablePorts = builder.minAvailablePorts;
    this.maxBacklog = builder.maxBacklog;
    this.maxMemoryUsage = builder.maxMemoryUsage;
    this.errorRateWindow = builder.errorRateWindow;
  }

  /** The performance guide's thresholds. */
  public static HealthThresholds getDefaultInstance() {
    return DEFAULTS;
  }

  /** A builder starting from the defaults. */
  public static Builder newBuilder() {
    return new Builder();
  }

  /** A builder starting from {@code thresholds}. */
  public static Builder newBuilder(HealthThresholds thresholds) {
    Objects.requireNonNull(thresholds, "thresholds cannot be null");
    Builder builder = new Builder();
    builder.maxErrorRate = thresholds.maxErrorRate;
    builder.minAvailablePorts = thresholds.minAvailablePorts;
    builder.maxBacklog = thresholds.maxBacklog;
    builder.maxMemoryUsage = thresholds.maxMemoryUsage;
    builder.errorRateWindow = thresholds.errorRateWindow;
    return builder;
  }

  /** Warn when failed cells per finished cell exceed this fraction; 0.01 by default. */
  public double maxErrorRate() {
    return maxErrorRate;
  }

  /** Warn when fewer ports than this are available; 10 by default. */
  public int minAvailablePorts() {
    return minAvailablePorts;
  }

  /** Warn when more bootstraps than this wait in the shared queue; 100 by default. */
  public long maxBacklog() {
    return maxBacklog;
  }

  /** Warn when the used fraction of memory exceeds this; 0.90 by default. Also the admission ceiling. */
  public double maxMemoryUsage() {
    return maxMemoryUsage;
  }

  /** How far back the error rate looks; 15 minutes by default. */
  public Duration errorRateWindow() {
    return errorRateWindow;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof HealthThresholds that
        && Double.compare(maxErrorRate, that.maxErrorRate) == 0
        && minAvailablePorts == that.minAvailablePorts
        && maxBacklog == that.maxBacklog
        && Double.compare(maxMemoryUsage, that.maxMemoryUsage) == 0
        && errorRateWindow.equals(that.errorRateWindow);
  }

  @Override
  public int hashCode() {
    return Objects.hash(maxErrorRate, minAvailablePorts, maxBacklog, maxMemoryUsage, errorRateWindow);
  }

  @Override
  public String toString() {
    return "HealthThresholds{maxErrorRate=" + maxErrorRate + ", minAvailablePorts=" + minAvailablePorts
        + ", maxBacklog=" + maxBacklog + ", maxMemoryUsage=" + maxMemoryUsage + ", errorRateWindow="
        + errorRateWindow + "}";
  }

  /** Configures {@link HealthThresholds}; {@link #build()} validates. Not thread-safe. */
  public static final class Builder {
    private double maxErrorRate = 0.01;
    private int minAvailablePorts = 10;
    private long maxBacklog = 100;
    private double maxMemoryUsage = 0.90;
    private Duration errorRateWindow = Duration.ofMinutes(15);

    private Builder() {}

    /** Warn above this error rate, a fraction in [0, 1). */
    public Builder maxErrorRate(double rate) {
      this.maxErrorRate = rate;
      return this;
    }

    /** Warn below this many available ports, at least 0. */
    public Builder minAvailablePorts(int ports) {
      this.minAvailablePorts = ports;
      return this;
    }

    /** Warn above this many waiting bootstraps, at least 0. */
    public Builder maxBacklog(long tasks) {
      this.maxBacklog = tasks;
      return this;
    }

    /** Warn above this used fraction of memory, in (0, 1]. */
    public Builder maxMemoryUsage(double fraction) {
      this.maxMemoryUsage = fraction;
      return this;
    }

    /** How far back the error rate looks, at least one second. */
    public Builder errorRateWindow(Duration window) {
      this.errorRateWindow = Objects.requireNonNull(window, "errorRateWindow cannot be null");
      return this;
    }

    /**
     * Builds the thresholds.
     *
     * @throws IllegalArgumentException if a value is out of range; the message names it, the value and the range
     */
    public HealthThresholds build() {
      if (!(maxErrorRate >= 0 && maxErrorRate < 1)) {
        throw new IllegalArgumentException("maxErrorRate must be in [0, 1) but was " + maxErrorRate);
      }
      if (minAvailablePorts < 0) {
        throw new IllegalArgumentException("minAvailablePorts must be at least 0 but was " + minAvailablePorts);
      }
      if (maxBacklog < 0) {
        throw new IllegalArgumentException("maxBacklog must be at least 0 but was " + maxBacklog);
      }
      if (!(maxMemoryUsage > 0 && maxMemoryUsage <= 1)) {
        throw new IllegalArgumentException("maxMemoryUsage must be in (0, 1] but was " + maxMemoryUsage);
      }
      if (errorRateWindow.compareTo(Duration.ofSeconds(1)) < 0) {
        throw new IllegalArgumentException("errorRateWindow must be at least 1 s but was " + errorRateWindow);
      }
      return new HealthThresholds(this);
    }
  }
}
