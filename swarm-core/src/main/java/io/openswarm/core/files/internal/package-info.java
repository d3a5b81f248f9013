/**
 * File-system work the modules share on trees a cell shaped at will (deleting them, moving them aside). Not API: may
 * change in any release.
 */
@NullMarked
package io.openswarm.core.files.internal;

import org.jspecify.annotations.NullMarked;
