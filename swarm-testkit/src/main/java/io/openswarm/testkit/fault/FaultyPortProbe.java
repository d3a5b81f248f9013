package io.openswarm.testkit.fault;

import io.openswarm.core.CellId;
import io.openswarm.core.port.PortProbe;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * {@link FaultInjector.Point#PORT_PROBE}: the probe throws as if the operating system call failed;
 * and, as the port manager's {@link PortProbe.ReleaseInterceptor}, {@link
 * FaultInjector.Point#PORT_RELEASE}.
 */
final class FaultyPortProbe implements PortProbe, PortProbe.ReleaseInterceptor {

  private final FaultInjector injector;
  private final PortProbe delegate;

  FaultyPortProbe(FaultInjector injector, PortProbe delegate) {
    this.injector = injector;
    this.delegate = delegate;
  }

  @Override
  public boolean isFree(int port) {
    return FaultSite.run(
        injector,
        FaultInjector.Point.PORT_PROBE,
        FaultInjector.cellFromLoggingContext(),
        message ->
            new UncheckedIOException(new IOException(message + " (probing port " + port + ")")),
        () -> delegate.isFree(port),
        free -> {});
  }

  @Override
  public void aroundRelease(int port, Runnable release) {
    @Nullable CellId owner = injector.portReleased(port);
    CellId cell = owner != null ? owner : FaultInjector.cellFromLoggingContext();
    Function<String, RuntimeException> failure =
        message ->
            new UncheckedIOException(new IOException(message + " (releasing port " + port + ")"));
    FaultInjector.Fired before = injector.take(FaultInjector.Point.PORT_RELEASE, cell, false);
    if (before != null) {
      try {
        FaultSite.strike(injector, before, failure, null, failure);
      } catch (RuntimeException e) {
        injector.holdBack(
            "release port " + port + (cell == null ? "" : " of cell " + cell), release::run);
        throw e;
      }
    }
    release.run();
    FaultInjector.Fired after = injector.take(FaultInjector.Point.PORT_RELEASE, cell, true);
    if (after != null) {
      FaultSite.strike(injector, after, failure, null, failure);
    }
  }

  @Override
  public String toString() {
    return "Faulty[" + delegate + "]";
  }
}
