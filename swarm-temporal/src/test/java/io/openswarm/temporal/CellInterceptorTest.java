package io.openswarm.temporal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.openswarm.core.CellId;
import io.openswarm.core.agent.AgentRuntime;
import io.openswarm.core.agent.AgentSession;
import io.openswarm.core.port.PortProbe;
import io.openswarm.core.testrun.TestRunner;
import io.openswarm.core.worktree.BranchIntegration;
import io.openswarm.core.worktree.CommitAuthor;
import io.openswarm.core.worktree.WorktreeChanges;
import io.openswarm.core.worktree.WorktreeLease;
import io.openswarm.core.worktree.WorktreeProvider;
import io.openswarm.temporal.internal.CellParts;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The interceptor contract and how a worker's builder takes interceptors ({@link
 * CellInterceptorChain}).
 */
class CellInterceptorTest {

  private final WorktreeProvider worktrees =
      new WorktreeProvider() {
        @Override
        public WorktreeLease acquire(CellId cellId, String baseRef) {
          throw new UnsupportedOperationException();
        }

        @Override
        public Optional<WorktreeLease> find(CellId cellId) {
          return Optional.empty();
        }
      };
  private final WorktreeChanges changes =
      new WorktreeChanges() {
        @Override
        public Optional<String> commit(WorktreeLease lease, String message, CommitAuthor author) {
          throw new UnsupportedOperationException();
        }

        @Override
        public List<WorktreeChanges.ChangedFile> changedFiles(WorktreeLease lease) {
          return List.of();
        }

        @Override
        public void revert(WorktreeLease lease) {}
      };
  private final AgentRuntime agent = new NamedAgent("real", null);
  private final TestRunner tests =
      request -> {
        throw new UnsupportedOperationException();
      };
  private final BranchIntegration integration =
      (lease, target, committer, retest) -> {
        throw new UnsupportedOperationException();
      };
  private final CellParts parts = new CellParts(worktrees, changes, agent, tests, integration);

  @Test
  void anInterceptorThatOverridesNothingChangesNothing() {
    CellInterceptor nothing = new CellInterceptor() {};
    PortProbe probe = PortProbe.none();

    assertThat(nothing.interceptWorktrees(worktrees)).isSameAs(worktrees);
    assertThat(nothing.interceptChanges(changes)).isSameAs(changes);
    assertThat(nothing.interceptAgent(agent)).isSameAs(agent);
    assertThat(nothing.interceptTests(tests)).isSameAs(tests);
    assertThat(nothing.interceptIntegration(integration)).isSameAs(integration);
    assertThat(nothing.interceptPortProbe(probe)).isSameAs(probe);
  }

  @Test
  void interceptorsApplyInTheOrderGivenSoTheLastSeesEachCallFirst() {
    List<String> calls = new CopyOnWriteArrayList<>();
    CellInterceptorChain chain =
        new CellInterceptorChain(tracing("first", calls), tracing("second", calls));

    PortProbe probe =
        chain.decorateProbe(
            port -> {
              calls.add("real probe");
              return true;
            });
    CellParts decorated = chain.decorate(parts);

    assertThat(probe.isFree(20_000)).isTrue();
    assertThat(calls).containsExactly("second", "first", "real probe");
    assertThat(decorated.agent().name()).isEqualTo("second(first(real))");
    assertThat(decorated.worktrees()).isSameAs(worktrees);
    assertThat(decorated.changes()).isSameAs(changes);
    assertThat(decorated.tests()).isSameAs(tests);
    assertThat(decorated.integration()).isSameAs(integration);
  }

  @Test
  void anInterceptorThatReturnsNullIsNamedInTheFailure() {
    CellInterceptor broken =
        new CellInterceptor() {
          @Override
          public TestRunner interceptTests(TestRunner next) {
            return null;
          }

          @Override
          public String toString() {
            return "BrokenInterceptor";
          }
        };

    assertThatThrownBy(() -> new CellInterceptorChain(broken).decorate(parts))
        .isInstanceOf(NullPointerException.class)
        .hasMessage(
            "BrokenInterceptor.interceptTests returned null; an interceptor returns its argument to change "
                + "nothing");
  }

  @Test
  void theBuilderTakesInterceptorsOnceAndNoNullAmongThem() {
    CellInterceptor any = new CellInterceptor() {};

    assertThatThrownBy(() -> SwarmWorker.newBuilder().interceptors((CellInterceptor[]) null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("interceptors cannot be null");
    assertThatThrownBy(() -> SwarmWorker.newBuilder().interceptors(any, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("interceptors[1] cannot be null");
    SwarmWorkerBuilder builder = SwarmWorker.newBuilder().interceptors();
    assertThatThrownBy(() -> builder.interceptors(any))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("interceptors was already set to []");
  }

  /** Records its name on every port probe and names the agents it wraps. */
  private static CellInterceptor tracing(String name, List<String> calls) {
    return new CellInterceptor() {
      @Override
      public PortProbe interceptPortProbe(PortProbe next) {
        return port -> {
          calls.add(name);
          return next.isFree(port);
        };
      }

      @Override
      public AgentRuntime interceptAgent(AgentRuntime next) {
        return new NamedAgent(name, next);
      }
    };
  }

  /** An agent that only has a name, wrapping another one's. */
  private record NamedAgent(String label, AgentRuntime inner) implements AgentRuntime {
    @Override
    public String name() {
      return inner == null ? label : label + "(" + inner.name() + ")";
    }

    @Override
    public AgentSession start(AgentRuntime.Context context) {
      throw new UnsupportedOperationException();
    }
  }
}
