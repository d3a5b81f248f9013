/**
 * Graphs of tasks: {@link io.openswarm.core.graph.TaskGraph} holds {@link
 * io.openswarm.core.graph.GraphTask}s and the dependencies between them, validated when the graph
 * is built (cycles, unknown dependencies, duplicate ids, self-dependencies, empty graphs, size
 * caps), so that nothing runs from a graph that cannot finish.
 *
 * <p>Plain values, no Temporal: the DAG workflow in {@code swarm-temporal} carries them as its
 * input, and any other driver may use them too.
 */
@NullMarked
package io.openswarm.core.graph;

import org.jspecify.annotations.NullMarked;
