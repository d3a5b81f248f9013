/**
 * Process identity and supervision: starting, logging, stopping and reaping the processes a cell
 * runs.
 */
@NullMarked
package io.openswarm.infra.process;

import org.jspecify.annotations.NullMarked;
