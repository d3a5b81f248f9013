/**
 * File-system work on trees a cell shaped at will: {@link io.openswarm.core.files.TreeDeleter}
 * deletes them (however deep, without following links, read-only folders included) or moves aside
 * what cannot be deleted. Every module that removes what a cell left (worktrees, cell state,
 * history) uses it, and so can code that composes the library's pieces itself.
 */
@NullMarked
package io.openswarm.core.files;

import org.jspecify.annotations.NullMarked;
