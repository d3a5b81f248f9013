package io.openswarm.core.port;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The second JVM of {@link PortLeaseDirectoryIT}: leases ports from a range through a shared lease
 * directory, prints them on one line, then holds them until its standard input closes (or it is
 * killed).
 *
 * <p>Arguments: {@code min max leaseDirectory count}.
 */
public final class PortLeaseHolderMain {

  private PortLeaseHolderMain() {}

  public static void main(String[] args) throws IOException {
    PortManager ports =
        PortManager.newBuilder()
            .range(Integer.parseInt(args[0]), Integer.parseInt(args[1]))
            .probe(PortProbe.none())
            .leaseDirectory(Path.of(args[2]))
            .build();
    int count = Integer.parseInt(args[3]);
    List<PortLease> leases = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      leases.add(ports.allocate());
    }
    System.out.println(
        "HELD "
            + leases.stream().map(l -> String.valueOf(l.port())).collect(Collectors.joining(",")));
    System.out.flush();
    while (System.in.read() != -1) {
      // Hold the leases until the parent closes our input.
    }
    leases.forEach(PortLease::close);
  }
}
