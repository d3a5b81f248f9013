package io.openswarm.benchmarks;

import io.openswarm.core.port.PortLease;
import io.openswarm.core.port.PortManager;
import io.openswarm.core.port.PortProbe;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
 * What the operating-system check costs: one allocate + release pair per operation on a range of
 * 1001 ports with {@code occupancy} percent held, with the real bind probe ({@code bind}) and
 * without ({@code none}), side by side. The range (41000-42000) is chosen away from the usual
 * service ports; a port some other process holds is quarantined, as in production.
 *
 * <pre>
 * mvn -B -q -DskipTests package
 * java -jar benchmarks/target/benchmarks.jar PortProbeBenchmark
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PortProbeBenchmark {

  @Param({"bind", "none"})
  public String probe;

  @Param({"0", "95"})
  public int occupancy;

  private PortManager ports;
  private final List<PortLease> held = new ArrayList<>();

  @Setup(Level.Trial)
  public void fill() {
    PortProbe chosen =
        switch (probe) {
          case "bind" -> PortProbe.bind();
          case "none" -> PortProbe.none();
          default ->
              throw new IllegalArgumentException("probe must be bind or none but was " + probe);
        };
    ports = PortManager.newBuilder().range(41000, 42000).probe(chosen).build();
    int toHold = 1001 * occupancy / 100;
    for (int i = 0; i < toHold; i++) {
      held.add(ports.allocate());
    }
  }

  @TearDown(Level.Trial)
  public void drain() {
    held.forEach(PortLease::close);
    held.clear();
  }

  @Benchmark
  public int allocateAndRelease() {
    PortLease lease = ports.allocate();
    lease.close();
    return lease.port();
  }
}
