/**
 * Core value types of Open Swarm: cell identities, task specifications and outcomes.
 *
 * <p>This module has no dependency on Temporal, on processes or on HTTP; everything here is plain
 * Java that both the local {@code CellLifecycle} driver and the Temporal workflows share.
 */
@NullMarked
package io.openswarm.core;

import org.jspecify.annotations.NullMarked;
