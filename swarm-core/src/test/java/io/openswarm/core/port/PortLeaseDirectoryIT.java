package io.openswarm.core.port;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two JVMs on one host lease from one range through one lease directory. */
class PortLeaseDirectoryIT {

  private static final int MIN = 21000;
  private static final int MAX = 21099;

  @Test
  void twoJvmsNeverLeaseTheSamePortAndADeadJvmsPortsComeBack(@TempDir Path leases)
      throws Exception {
    Process child = startHolder(leases, 60);
    try {
      // Lease from this JVM while the child is leasing too.
      PortManager ports =
          PortManager.newBuilder()
              .range(MIN, MAX)
              .probe(PortProbe.none())
              .quarantine(Duration.ofMillis(50))
              .leaseDirectory(leases)
              .build();
      List<PortLease> mine = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        mine.add(ports.allocate(Duration.ofSeconds(10)));
      }
      Set<Integer> theirs = readHeldPorts(child);

      Set<Integer> ours = mine.stream().map(PortLease::port).collect(Collectors.toSet());
      assertThat(theirs).hasSize(60);
      assertThat(ours).hasSize(40).doesNotContainAnyElementsOf(theirs);
      assertThatThrownBy(ports::allocate).isInstanceOf(PortExhaustedException.class);

      child.destroyForcibly();
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();

      // The operating system dropped the dead JVM's locks: its ports can be leased here once out of
      // quarantine.
      Set<Integer> reclaimed = new HashSet<>();
      for (int i = 0; i < 60; i++) {
        reclaimed.add(ports.allocate(Duration.ofSeconds(10)).port());
      }
      assertThat(reclaimed).isEqualTo(theirs);
      assertThat(ports.allocatedCount()).isEqualTo(100);
    } finally {
      child.destroyForcibly();
      child.waitFor(30, TimeUnit.SECONDS);
    }
  }

  private static Process startHolder(Path leases, int count) throws Exception {
    String java =
        ProcessHandle.current()
            .info()
            .command()
            .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    return new ProcessBuilder(
            java,
            "-cp",
            System.getProperty("java.class.path"),
            PortLeaseHolderMain.class.getName(),
            String.valueOf(MIN),
            String.valueOf(MAX),
            leases.toString(),
            String.valueOf(count))
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
  }

  private static Set<Integer> readHeldPorts(Process child) throws Exception {
    BufferedReader reader =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
    String line = reader.readLine();
    assertThat(line).as("the child JVM's report").isNotNull().startsWith("HELD ");
    return Arrays.stream(line.substring("HELD ".length()).split(","))
        .map(Integer::valueOf)
        .collect(Collectors.toSet());
  }
}
