package io.openswarm.testkit.fault;

import io.openswarm.core.CellId;
import io.openswarm.core.agent.AgentException;
import io.openswarm.core.agent.AgentRuntime;
import io.openswarm.core.agent.AgentSession;
import io.openswarm.infra.opencode.OpenCodeAgent;
import io.openswarm.testkit.agent.ChildProcessAgent;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link FaultInjector.Point#AGENT_START}, and through its sessions {@link
 * FaultInjector.Point#AGENT_HEALTH}, {@link FaultInjector.Point#PROMPT_SUBMIT}, {@link
 * FaultInjector.Point#EVENT_STREAM_DROP}, {@link FaultInjector.Point#AGENT_CRASH} and {@link
 * FaultInjector.Point#AGENT_STOP}.
 */
final class FaultyAgentRuntime implements AgentRuntime {

  private static final Logger LOG = LoggerFactory.getLogger(FaultyAgentRuntime.class);

  /** How long a crash waits for the turn to report that it started before killing anyway. */
  private static final Duration CRASH_DELAY = Duration.ofMillis(200);

  private final FaultInjector injector;
  private final AgentRuntime delegate;

  FaultyAgentRuntime(FaultInjector injector, AgentRuntime delegate) {
    this.injector = injector;
    this.delegate = delegate;
  }

  @Override
  public String name() {
    return delegate.name();
  }

  @Override
  public AgentSession start(AgentRuntime.Context context) {
    injector.portGiven(context.port(), context.cellId());
    return FaultSite.run(
        injector,
        FaultInjector.Point.AGENT_START,
        context.cellId(),
        message -> new AgentException(AgentException.Reason.START_FAILED, message),
        () -> new Session(context.cellId(), delegate.start(context)),
        Session::closeDelegate);
  }

  @Override
  public String toString() {
    return "Faulty[" + delegate + "]";
  }

  /** A session whose readiness, turns and stop can go wrong. */
  private final class Session implements AgentSession {
    private final CellId cell;
    private final AgentSession delegate;
    private final CountDownLatch aborted = new CountDownLatch(1);

    Session(CellId cell, AgentSession delegate) {
      this.cell = cell;
      this.delegate = delegate;
    }

    @Override
    public void awaitReady(Duration timeout) {
      FaultSite.run(
          injector,
          FaultInjector.Point.AGENT_HEALTH,
          cell,
          message -> new AgentException(AgentException.Reason.NOT_READY, message),
          () -> {
            delegate.awaitReady(timeout);
            return Boolean.TRUE;
          },
          ready -> {});
    }

    @Override
    public AgentSession.Turn prompt(
        String prompt, Duration timeout, AgentSession.Progress progress) {
      FaultInjector.Fired submit = injector.take(FaultInjector.Point.PROMPT_SUBMIT, cell, false);
      if (submit != null) {
        FaultSite.strike(
            injector,
            submit,
            message -> new AgentException(AgentException.Reason.TURN_FAILED, message),
            aborted,
            message -> new AgentException(AgentException.Reason.ABORTED, message));
      }
      AgentSession.Progress watched = progress;
      // Whether armed before or after, a drop happens during the turn: there is no stream before or
      // after it.
      FaultInjector.Fired drop = injector.take(FaultInjector.Point.EVENT_STREAM_DROP, cell, false);
      if (drop == null) {
        drop = injector.take(FaultInjector.Point.EVENT_STREAM_DROP, cell, true);
      }
      if (drop != null) {
        watched = dropStreamsOnFirstProgress(drop, progress);
      }
      FaultInjector.Fired crash = injector.take(FaultInjector.Point.AGENT_CRASH, cell, false);
      if (crash != null) {
        if (!(delegate instanceof ChildProcessAgent.CrashableSession crashable)) {
          throw new AgentException(
              AgentException.Reason.CRASHED,
              "injected fault: "
                  + crash
                  + " (the session has no process to kill, so the crash is reported without one)");
        }
        CountDownLatch started = new CountDownLatch(1);
        AgentSession.Progress inner = watched;
        watched =
            what -> {
              started.countDown();
              inner.onProgress(what);
            };
        Thread killer =
            new Thread(
                () -> {
                  try {
                    started.await(CRASH_DELAY.toMillis(), TimeUnit.MILLISECONDS);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                  crashable.crash();
                },
                "fault-agent-crash-" + cell);
        killer.setDaemon(true);
        killer.start();
      }
      AgentSession.Turn turn = delegate.prompt(prompt, timeout, watched);
      FaultInjector.Fired after = injector.take(FaultInjector.Point.PROMPT_SUBMIT, cell, true);
      if (after != null) {
        FaultSite.strike(
            injector,
            after,
            message -> new AgentException(AgentException.Reason.TURN_FAILED, message),
            aborted,
            message -> new AgentException(AgentException.Reason.ABORTED, message));
      }
      return turn;
    }

    /**
     * Acts out {@link FaultInjector.Point#EVENT_STREAM_DROP}: a FAIL on an agent with event streams
     * (the real OpenCode, through {@link OpenCodeAgent#dropEventStreams}) cuts the cell's streams
     * once the turn reports progress (it is underway then); anything else strikes at once, as at
     * {@link FaultInjector.Point#PROMPT_SUBMIT}.
     */
    private AgentSession.Progress dropStreamsOnFirstProgress(
        FaultInjector.Fired drop, AgentSession.Progress progress) {
      if (drop.fault().action() == FaultInjector.Fault.Action.FAIL
          && FaultyAgentRuntime.this.delegate instanceof OpenCodeAgent openCode) {
        AtomicBoolean cut = new AtomicBoolean();
        return what -> {
          if (cut.compareAndSet(false, true)) {
            int streams = openCode.dropEventStreams(cell);
            injector.recordEventStreamsCut(streams);
            LOG.info("fault injected: cut {} event stream(s) of cell {} mid-turn", streams, cell);
          }
          progress.onProgress(what);
        };
      }
      FaultSite.strike(
          injector,
          drop,
          message ->
              new AgentException(
                  AgentException.Reason.TURN_FAILED,
                  message
                      + (drop.fault().action() == FaultInjector.Fault.Action.FAIL
                          ? " (the session has no event stream to cut)"
                          : "")),
          aborted,
          message -> new AgentException(AgentException.Reason.ABORTED, message));
      return progress;
    }

    @Override
    public void abort() {
      aborted.countDown();
      delegate.abort();
    }

    @Override
    public void close() {
      aborted.countDown();
      FaultInjector.Fired stop = injector.take(FaultInjector.Point.AGENT_STOP, cell, false);
      if (stop != null) {
        try {
          FaultSite.strike(
              injector,
              stop,
              message ->
                  new IllegalStateException(
                      message + ": the agent of cell " + cell + " could not be stopped"),
              null,
              IllegalStateException::new);
        } catch (RuntimeException e) {
          injector.holdBack("stop agent of cell " + cell, delegate);
          throw e;
        }
      }
      delegate.close();
      FaultInjector.Fired after = injector.take(FaultInjector.Point.AGENT_STOP, cell, true);
      if (after != null) {
        FaultSite.strike(
            injector, after, IllegalStateException::new, null, IllegalStateException::new);
      }
    }

    void closeDelegate() {
      delegate.close();
    }

    @Override
    public String toString() {
      return "Faulty[" + delegate + "]";
    }
  }
}
