/**
 * What a cell leaves behind once it is gone: its logs, the test reports of a red run and the change
 * it was refused, kept with retention.
 *
 * <p>{@link io.openswarm.core.history.CellHistory} is the SPI the steps call (its implementation on
 * disk and in git lives in {@code swarm-infra}); {@link io.openswarm.core.history.HistoryOptions}
 * says how much is kept.
 */
@NullMarked
package io.openswarm.core.history;

import org.jspecify.annotations.NullMarked;
