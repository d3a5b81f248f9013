/**
 * Scripted agents: in-process {@link io.openswarm.core.agent.AgentRuntime}s that edit files as a
 * script says, fast and deterministic, for unit tests, benchmarks and demos that need no model.
 */
@NullMarked
package io.openswarm.testkit.agent;

import org.jspecify.annotations.NullMarked;
