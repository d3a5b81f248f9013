/** Durable orchestration of cells on Temporal. */
@NullMarked
package io.openswarm.temporal;

import org.jspecify.annotations.NullMarked;
