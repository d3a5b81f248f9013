/**
 * The metrics SPI: what Open Swarm reports about its cells, with no-op defaults so that metrics
 * cost nothing unless an implementation (such as the Micrometer one) is plugged in.
 */
@NullMarked
package io.openswarm.core.metrics;

import org.jspecify.annotations.NullMarked;
