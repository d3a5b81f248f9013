/**
 * A small, safe runner for the git command line: argument lists (never a shell), a scrubbed
 * environment with {@code GIT_TERMINAL_PROMPT=0}, timeouts that kill the whole process tree,
 * bounded output capture, children that are always reaped, and retries with backoff when another
 * git process holds a lock.
 */
@NullMarked
package io.openswarm.infra.git;

import org.jspecify.annotations.NullMarked;
