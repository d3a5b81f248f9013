package io.openswarm.benchmarks;

import io.openswarm.benchmarks.baseline.LinearPortAllocator;
import io.openswarm.core.port.PortLease;
import io.openswarm.core.port.PortManager;
import io.openswarm.core.port.PortProbe;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One allocate + release pair per operation on a range of 1001 ports (8000-9000) of which {@code
 * occupancy} percent are held before measuring, for Open Swarm's {@link PortManager} ({@code
 * swarm}) and the original system's mutex-and-linear-search allocator ({@code linear}), bookkeeping
 * only (no probe).
 *
 * <pre>
 * mvn -B -q -DskipTests package
 * java -jar benchmarks/target/benchmarks.jar PortManagerBenchmark
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PortManagerBenchmark {

  static final int MIN = 8000;
  static final int MAX = 9000;

  @Param({"swarm", "linear"})
  public String impl;

  @Param({"0", "50", "95", "99"})
  public int occupancy;

  /** Whichever {@link #impl} names is set up; the other stays null. */
  private @Nullable PortManager swarm;

  private @Nullable LinearPortAllocator linear;
  private final List<PortLease> held = new ArrayList<>();

  @Setup(Level.Trial)
  public void fill() {
    int toHold = (MAX - MIN + 1) * occupancy / 100;
    if (impl.equals("swarm")) {
      swarm = PortManager.newBuilder().range(MIN, MAX).probe(PortProbe.none()).build();
      for (int i = 0; i < toHold; i++) {
        held.add(swarm.allocate());
      }
    } else if (impl.equals("linear")) {
      linear = new LinearPortAllocator(MIN, MAX);
      for (int i = 0; i < toHold; i++) {
        linear.allocate();
      }
    } else {
      throw new IllegalArgumentException("impl must be swarm or linear but was " + impl);
    }
  }

  @TearDown(Level.Trial)
  public void drain() {
    held.forEach(PortLease::close);
    held.clear();
  }

  @Benchmark
  public int allocateAndRelease() {
    if (swarm != null) {
      PortLease lease = swarm.allocate();
      lease.close();
      return lease.port();
    }
    // fill() set up the one that impl names.
    LinearPortAllocator allocator = Objects.requireNonNull(linear);
    int port = allocator.allocate();
    allocator.release(port);
    return port;
  }
}
