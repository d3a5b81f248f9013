package io.openswarm.testkit.fault;

import io.openswarm.core.testrun.TestRunner;
import java.io.IOException;
import java.time.Duration;
import java.util.List;

/** {@link FaultInjector.Point#TEST_START} and {@link FaultInjector.Point#TEST_HANG}. */
final class FaultyTestRunner implements TestRunner {

  /** A test process that never ends by itself. */
  static final List<String> HANGING_TESTS = List.of("sleep", "3600");

  /**
   * The limit on a hanging test process for {@link FaultInjector.Fault.Action#FAIL}: the runner's
   * timeout ends it.
   */
  static final Duration HANG_LIMIT = Duration.ofSeconds(1);

  private final FaultInjector injector;
  private final TestRunner delegate;

  FaultyTestRunner(FaultInjector injector, TestRunner delegate) {
    this.injector = injector;
    this.delegate = delegate;
  }

  @Override
  public TestRunner.Result run(TestRunner.Request request)
      throws IOException, InterruptedException {
    FaultInjector.Fired start =
        injector.take(FaultInjector.Point.TEST_START, request.cellId(), false);
    if (start != null) {
      strike(start);
    }
    TestRunner.Request actual = request;
    FaultInjector.Fired hang =
        injector.take(FaultInjector.Point.TEST_HANG, request.cellId(), false);
    if (hang != null) {
      switch (hang.fault().action()) {
        case FAIL ->
            actual =
                new TestRunner.Request(
                    request.cellId(),
                    request.worktree(),
                    request.stateDirectory(),
                    HANGING_TESTS,
                    HANG_LIMIT);
        case HANG ->
            actual =
                new TestRunner.Request(
                    request.cellId(),
                    request.worktree(),
                    request.stateDirectory(),
                    HANGING_TESTS,
                    request.timeout());
        case KILL -> FaultInjector.killThisJvm(hang);
      }
    }
    TestRunner.Result result = delegate.run(actual);
    FaultInjector.Fired after =
        injector.take(FaultInjector.Point.TEST_START, request.cellId(), true);
    if (after != null) {
      strike(after);
    }
    return result;
  }

  private void strike(FaultInjector.Fired firing) throws IOException, InterruptedException {
    switch (firing.fault().action()) {
      case FAIL ->
          throw new IOException(
              "injected fault: " + firing + ": the test command could not be started");
      case KILL -> FaultInjector.killThisJvm(firing);
      case HANG -> {
        if (injector.hang(firing, null) == FaultInjector.HangEnd.INTERRUPTED) {
          Thread.interrupted();
          throw new InterruptedException("interrupted while hanging at injected fault " + firing);
        }
      }
    }
  }

  @Override
  public List<String> command() {
    return delegate.command();
  }

  @Override
  public String toString() {
    return "Faulty[" + delegate + "]";
  }
}
