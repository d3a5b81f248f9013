/** Implementation of the sandbox: the worker's side of a cell's private network. Not public API. */
@NullMarked
package io.openswarm.infra.sandbox.internal;

import org.jspecify.annotations.NullMarked;
