/** Cells on real projects built in the test: Maven, npm. */
@NullMarked
package io.openswarm.testkit.realrepo;

import org.jspecify.annotations.NullMarked;
