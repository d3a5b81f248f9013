package io.openswarm.testkit;

import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.common.WorkflowExecutionHistory;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Searches the event history of a workflow, and of every child workflow it started (a DAG's tasks),
 * for strings that must never be stored there: passwords, API keys, tokens. Temporal keeps
 * histories (inputs, results, failure messages, heartbeat details) for the retention period and
 * shows them to anyone with access to the namespace.
 *
 * <pre>{@code
 * HistoryCheck.assertAbsent(client.workflowClient(), workflowId, agentPassword, System.getenv("TEMPORAL_API_KEY"));
 * }</pre>
 *
 * <p>Events are searched in protobuf text form, in which the payloads' JSON appears as written
 * (printable characters as they are), so a secret made of letters, digits and punctuation other
 * than quotes and backslashes is found wherever it was put. Thread-safe; stateless.
 */
public final class HistoryCheck {

  private HistoryCheck() {}

  /**
   * Where each of {@code secrets} appears in the histories of {@code workflowId} and its child
   * workflows: one line per occurrence naming the workflow, the event and which secret (by
   * position, never by value).
   *
   * @param client the client of the workflows' namespace
   * @param workflowId the workflow whose history, and its children's, is searched
   * @param secrets the texts that must not appear; each at least 8 characters
   * @return one line per occurrence; empty when no secret appears
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if a secret is shorter than 8 characters (it would match by
   *     chance)
   */
  public static List<String> occurrences(
      WorkflowClient client, String workflowId, String... secrets) {
    Objects.requireNonNull(client, "client cannot be null");
    Objects.requireNonNull(workflowId, "workflowId cannot be null");
    for (String secret : secrets) {
      Objects.requireNonNull(secret, "secrets cannot contain null");
      if (secret.length() < 8) {
        throw new IllegalArgumentException(
            "a secret to search for must have at least 8 characters but had " + secret.length());
      }
    }
    List<String> found = new ArrayList<>();
    Deque<String> workflows = new ArrayDeque<>(List.of(workflowId));
    Set<String> seen = new HashSet<>();
    while (!workflows.isEmpty()) {
      String id = workflows.pop();
      if (!seen.add(id)) {
        continue;
      }
      WorkflowExecutionHistory history = client.fetchHistory(id);
      for (HistoryEvent event : history.getEvents()) {
        String text = event.toString();
        for (int i = 0; i < secrets.length; i++) {
          if (text.contains(secrets[i])) {
            found.add(
                "secret #"
                    + (i + 1)
                    + " in event "
                    + event.getEventId()
                    + " ("
                    + event.getEventType()
                    + ") of workflow "
                    + id);
          }
        }
        if (event.getEventType() == EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED) {
          workflows.add(
              event
                  .getChildWorkflowExecutionStartedEventAttributes()
                  .getWorkflowExecution()
                  .getWorkflowId());
        }
      }
    }
    return found;
  }

  /**
   * Fails if any of {@code secrets} appears in the histories of {@code workflowId} and its child
   * workflows.
   *
   * @param client the client of the workflows' namespace
   * @param workflowId the workflow whose history, and its children's, is searched
   * @param secrets the texts that must not appear; each at least 8 characters
   * @throws AssertionError naming where (never the secret itself)
   */
  public static void assertAbsent(WorkflowClient client, String workflowId, String... secrets) {
    List<String> found = occurrences(client, workflowId, secrets);
    if (!found.isEmpty()) {
      throw new AssertionError(
          "secrets stored in workflow history:\n  " + String.join("\n  ", found));
    }
  }
}
