/** Temporary git repositories for tests and demos, driven through the real git command line. */
@NullMarked
package io.openswarm.testkit.git;

import org.jspecify.annotations.NullMarked;
