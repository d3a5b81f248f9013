/**
 * The OpenCode agent server protocol: where the binary is, how one server per cell is launched (argument list,
 * isolated environment, files), and the HTTP + server-sent-events client that drives a turn.
 *
 * <p>Nothing in this package starts a process: {@link io.openswarm.infra.opencode.OpenCodeLaunch} computes what to
 * start and the process supervisor starts it; {@link io.openswarm.infra.opencode.OpenCodeClient} talks to the running
 * server.
 */
@NullMarked
package io.openswarm.infra.opencode;

import org.jspecify.annotations.NullMarked;
