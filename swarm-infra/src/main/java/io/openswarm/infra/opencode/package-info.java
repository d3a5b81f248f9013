/**
 * The real OpenCode as a cell's agent: {@link io.openswarm.infra.opencode.OpenCodeAgent}, and the protocol under
 * it — where the binary is, how one server per cell is launched (argument list, isolated environment, files), and
 * the HTTP + server-sent-events client that drives a turn.
 *
 * <p>{@link io.openswarm.infra.opencode.OpenCodeLaunch} computes what to start, the process supervisor starts it
 * (on behalf of {@link io.openswarm.infra.opencode.OpenCodeAgent}, which starts nothing itself), and
 * {@link io.openswarm.infra.opencode.OpenCodeClient} talks to the running server.
 */
@NullMarked
package io.openswarm.infra.opencode;

import org.jspecify.annotations.NullMarked;
