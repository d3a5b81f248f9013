/** Not API: how the history copies what a cell controls without following it anywhere. */
@NullMarked
package io.openswarm.infra.history.internal;

import org.jspecify.annotations.NullMarked;
