/**
 * Implementation details of the OpenCode client (server-sent-events parsing, JSON helpers) and its test seam
 * ({@link io.openswarm.infra.opencode.internal.DroppableEventStreams}). Not API: anything here may change without
 * notice.
 */
@NullMarked
package io.openswarm.infra.opencode.internal;

import org.jspecify.annotations.NullMarked;
