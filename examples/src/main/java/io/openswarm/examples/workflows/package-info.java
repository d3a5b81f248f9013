/** Samples of workflows of your own, composed from {@link io.openswarm.temporal.CellActivities}. */
@NullMarked
package io.openswarm.examples.workflows;

import org.jspecify.annotations.NullMarked;
