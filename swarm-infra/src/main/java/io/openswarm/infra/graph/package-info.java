/**
 * Task graphs in files: {@link io.openswarm.infra.graph.TaskGraphJson} reads and writes the JSON
 * form of a {@link io.openswarm.core.graph.TaskGraph}.
 */
@NullMarked
package io.openswarm.infra.graph;

import org.jspecify.annotations.NullMarked;
