/**
 * Implementation details of the OpenCode client (server-sent-events parsing, JSON helpers). Not API: anything here
 * may change without notice.
 */
@NullMarked
package io.openswarm.infra.opencode.internal;

import org.jspecify.annotations.NullMarked;
