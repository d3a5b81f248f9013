/** JMH benchmarks that compare Open Swarm's components with baselines measured in the same run. */
@NullMarked
package io.openswarm.benchmarks;

import org.jspecify.annotations.NullMarked;
