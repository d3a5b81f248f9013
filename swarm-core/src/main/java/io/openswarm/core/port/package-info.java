/**
 * Ports for agent servers: {@link io.openswarm.core.port.PortManager} leases ports from an
 * inclusive range, probes the operating system before handing one out, and coordinates with other
 * worker JVMs on the same host through lock files.
 */
@NullMarked
package io.openswarm.core.port;

import org.jspecify.annotations.NullMarked;
