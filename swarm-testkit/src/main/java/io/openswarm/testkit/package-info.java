/** Test support for Open Swarm users and for Open Swarm itself. */
@NullMarked
package io.openswarm.testkit;

import org.jspecify.annotations.NullMarked;
