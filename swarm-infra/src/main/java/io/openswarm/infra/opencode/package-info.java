/**
 * The real OpenCode as a cell's agent: {@link io.openswarm.infra.opencode.OpenCodeAgent},
 * configured by {@link io.openswarm.infra.opencode.OpenCodeOptions}; {@link
 * io.openswarm.infra.opencode.OpenCodeBinary} says where the {@code opencode} executable is found.
 *
 * <p>The protocol under it (how one server per cell is launched, and the HTTP + server-sent-events
 * client that drives a turn) lives in {@code io.openswarm.infra.opencode.internal} and is not
 * public API.
 */
@NullMarked
package io.openswarm.infra.opencode;

import org.jspecify.annotations.NullMarked;
