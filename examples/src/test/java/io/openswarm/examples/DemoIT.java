package io.openswarm.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's main job runs to the end with every cell as expected and nothing left behind. */
class DemoIT {

  @Test
  void theDemoEndsWithEveryCellAsExpected(@TempDir Path home) {
    assertThat(Demo.run(home, Map.of())).isZero();
  }

  @Test
  void theDemoWithTheRealOpenCodeAndAScriptedFakeModelEndsTheSameWay(@TempDir Path home) {
    assertThat(Demo.run(home, Demo.parse(new String[] {"--agent", "opencode"}))).isZero();
  }

  @Test
  void unknownOptionsAreNamed() {
    assertThatThrownBy(() -> Demo.parse(new String[] {"--agnet", "x"}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "unknown option --agnet; allowed: --target host:port, --namespace name, --keep, "
                + "--agent scripted|opencode, --model provider/model, --base-url URL, --api-key-env VAR");
  }
}
