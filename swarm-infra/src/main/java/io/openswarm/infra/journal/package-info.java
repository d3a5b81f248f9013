/**
 * The lease journal: a directory of small JSON files, one per resource a worker holds (a worktree,
 * a port, an agent process), each naming the owning process, so that whatever a crashed worker left
 * behind can be found and reclaimed by the next one.
 */
@NullMarked
package io.openswarm.infra.journal;

import org.jspecify.annotations.NullMarked;
