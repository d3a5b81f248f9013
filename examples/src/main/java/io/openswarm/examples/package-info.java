/** Runnable examples: the README demo and samples of custom workflows. */
@NullMarked
package io.openswarm.examples;

import org.jspecify.annotations.NullMarked;
