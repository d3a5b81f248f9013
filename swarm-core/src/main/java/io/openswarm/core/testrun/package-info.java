/**
 * The test step of a cell: the {@link io.openswarm.core.testrun.TestRunner} SPI and its {@link
 * io.openswarm.core.testrun.TestRunner.Result}.
 *
 * <p>The verdict of a cell is the exit code of the repository's test command, run by the library,
 * never a model's opinion. The command-line implementation is {@code
 * io.openswarm.infra.testrun.CommandTestRunner}.
 */
@NullMarked
package io.openswarm.core.testrun;

import org.jspecify.annotations.NullMarked;
