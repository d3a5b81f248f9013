/**
 * Implementation details of process supervision: output draining with a capped log and an in-memory
 * tail, the Linux process table, group signalling and the TERM-then-KILL tree terminator.
 *
 * <p><strong>Not API.</strong> Classes here may change or disappear in any release; use {@link
 * io.openswarm.infra.process.ProcessSupervisor} instead.
 */
@NullMarked
package io.openswarm.infra.process.internal;

import org.jspecify.annotations.NullMarked;
