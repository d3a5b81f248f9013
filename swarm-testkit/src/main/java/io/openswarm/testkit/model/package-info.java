/**
 * A fake OpenAI-compatible model server whose replies are scripted per test, so the real OpenCode
 * can run offline in tests and demos.
 */
@NullMarked
package io.openswarm.testkit.model;

import org.jspecify.annotations.NullMarked;
