/**
 * The steps of a cell's life and the local driver that runs them as a saga.
 *
 * <p>{@link io.openswarm.core.lifecycle.CellSteps} implements each step once; {@link
 * io.openswarm.core.lifecycle.CellLifecycle} drives them in-process, and the Temporal activities in {@code
 * swarm-temporal} drive the same steps durably.
 */
@NullMarked
package io.openswarm.core.lifecycle;

import org.jspecify.annotations.NullMarked;
