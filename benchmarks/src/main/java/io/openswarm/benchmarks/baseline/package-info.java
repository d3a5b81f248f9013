/**
 * Baselines that reproduce the designs of the original (Go) Open Swarm, measured side by side with
 * ours. Not API.
 */
@NullMarked
package io.openswarm.benchmarks.baseline;

import org.jspecify.annotations.NullMarked;
