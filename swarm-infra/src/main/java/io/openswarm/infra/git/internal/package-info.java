/**
 * Implementation details of {@code io.openswarm.infra.git}. Not API: anything here may change
 * without notice.
 */
@NullMarked
package io.openswarm.infra.git.internal;

import org.jspecify.annotations.NullMarked;
