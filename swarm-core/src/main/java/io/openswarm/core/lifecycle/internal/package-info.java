/**
 * Implementation details of {@link io.openswarm.core.lifecycle}. Not API: may change in any
 * release.
 */
@NullMarked
package io.openswarm.core.lifecycle.internal;

import org.jspecify.annotations.NullMarked;
