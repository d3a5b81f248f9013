/** Implementation details of {@link io.openswarm.core.port}. Not API: may change in any release. */
@NullMarked
package io.openswarm.core.port.internal;

import org.jspecify.annotations.NullMarked;
