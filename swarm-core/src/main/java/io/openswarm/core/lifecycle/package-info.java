/**
 * The steps of a cell's life and the local driver that runs them as a saga.
 *
 * <p>{@link io.openswarm.core.lifecycle.CellSteps} implements each step once; {@link
 * io.openswarm.core.lifecycle.CellDriver} decides their sequence once (and moves a task to a new
 * cell when its host is lost). {@link io.openswarm.core.lifecycle.CellLifecycle} has the driver
 * call the steps in-process; the Temporal workflows in {@code swarm-temporal} have it schedule them
 * as activities.
 */
@NullMarked
package io.openswarm.core.lifecycle;

import org.jspecify.annotations.NullMarked;
