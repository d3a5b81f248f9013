/** Implementation details of {@link io.openswarm.temporal}. Not API: may change in any release. */
@NullMarked
package io.openswarm.temporal.internal;

import org.jspecify.annotations.NullMarked;
