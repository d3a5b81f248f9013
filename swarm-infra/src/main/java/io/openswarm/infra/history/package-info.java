/**
 * The history of cells on disk and in git: {@link io.openswarm.infra.history.CellHistoryStore}
 * keeps each cell run's logs and red reports in a folder under the worker's state directory, and
 * each reverted change as a ref {@code refs/swarm/rejected/<cellId>}, with retention by count, age
 * and size.
 */
@NullMarked
package io.openswarm.infra.history;

import org.jspecify.annotations.NullMarked;
