package io.openswarm.testkit.fault;

import io.openswarm.core.port.PortProbe;
import java.io.IOException;
import java.io.UncheckedIOException;

/** {@link FaultPoint#PORT_PROBE}: the probe throws as if the operating system call failed. */
final class FaultyPortProbe implements PortProbe {

  private final FaultInjector injector;
  private final PortProbe delegate;

  FaultyPortProbe(FaultInjector injector, PortProbe delegate) {
    this.injector = injector;
    this.delegate = delegate;
  }

  @Override
  public boolean isFree(int port) {
    return FaultSite.run(injector, FaultPoint.PORT_PROBE, FaultInjector.cellFromLoggingContext(),
        message -> new UncheckedIOException(new IOException(message + " (probing port " + port + ")")),
        () -> delegate.isFree(port), free -> { });
  }

  @Override
  public String toString() {
    return "Faulty[" + delegate + "]";
  }
}
