package io.openswarm.core.port;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PortRangeTest {

  @Test
  void sizeContainsAndToString() {
    PortRange range = new PortRange(8000, 9000);

    assertThat(range.size()).isEqualTo(1001);
    assertThat(range.contains(8000)).isTrue();
    assertThat(range.contains(9000)).isTrue();
    assertThat(range.contains(7999)).isFalse();
    assertThat(range.contains(9001)).isFalse();
    assertThat(range).hasToString("8000-9000");
    assertThat(new PortRange(1, 65535).size()).isEqualTo(65535);
  }

  @Test
  void rejectsBoundsOutsideTheTcpPorts() {
    assertThatThrownBy(() -> new PortRange(0, 10))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("port range min must be between 1 and 65535 but was 0");
    assertThatThrownBy(() -> new PortRange(8000, 65536))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("port range max must be between 1 and 65535 but was 65536");
    assertThatThrownBy(() -> new PortRange(9000, 8000))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("port range min must not exceed max but was 9000-8000");
  }
}
