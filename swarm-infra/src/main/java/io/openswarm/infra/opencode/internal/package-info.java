/**
 * Implementation of the OpenCode agent, not public API: {@code OpenCodeLaunch} computes what to
 * start (argument list, isolated environment, files), the process supervisor starts it on behalf of
 * the agent, and {@code OpenCodeClient} talks to the running server (HTTP and server-sent events).
 * The types follow OpenCode's protocol and change with it.
 */
@NullMarked
package io.openswarm.infra.opencode.internal;

import org.jspecify.annotations.NullMarked;
