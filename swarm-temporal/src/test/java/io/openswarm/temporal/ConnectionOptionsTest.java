package io.openswarm.temporal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConnectionOptionsTest {

  @TempDir Path temp;

  @Test
  void theDefaultsAreAnEmbeddedServerOnTheDefaultNamespaceAndQueue() {
    ConnectionOptions defaults = ConnectionOptions.getDefaultInstance();

    assertThat(defaults.target()).isEmpty();
    assertThat(defaults.embeddedPort()).isZero();
    assertThat(defaults.namespace()).isEqualTo("default");
    assertThat(defaults.taskQueue()).isEqualTo("reactor-task-queue");
    assertThat(defaults.hostId()).isEmpty();
    assertThat(defaults.tls()).isFalse();
    assertThat(defaults.apiKey()).isEmpty();
    assertThat(defaults.embeddedServerToken()).isEmpty();
    assertThat(defaults).isEqualTo(ConnectionOptions.newBuilder().build());
  }

  @Test
  void eachSetterRejectsABadValueNamingTheOptionAndTheValue() {
    assertThatThrownBy(() -> ConnectionOptions.newBuilder().target("localhost"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("target must be host:port")
        .hasMessageContaining("\"localhost\"");
    assertThatThrownBy(() -> ConnectionOptions.newBuilder().target("host:70000"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("between 1 and 65535");
    assertThatThrownBy(() -> ConnectionOptions.newBuilder().embeddedPort(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("embeddedPort must be between 0 and 65535 but was -1");
    assertThatThrownBy(() -> ConnectionOptions.newBuilder().namespace(" "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("namespace must not be blank");
    assertThatThrownBy(() -> ConnectionOptions.newBuilder().apiKey(""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("apiKey must not be blank");
    assertThatThrownBy(() -> ConnectionOptions.newBuilder().taskQueue("a@b"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("taskQueue must not contain '@'")
        .hasMessageContaining("a@b");
    assertThatThrownBy(() -> ConnectionOptions.newBuilder().hostId("a/b"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("hostId")
        .hasMessageContaining("a/b");
    assertThatThrownBy(
            () -> ConnectionOptions.newBuilder().trustedCertificates(temp.resolve("missing.pem")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("trustedCertificates must be a readable file")
        .hasMessageContaining("missing.pem");
    assertThatThrownBy(() -> ConnectionOptions.newBuilder().clientCertificate(temp, temp))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("clientCertificate must be a readable file");
    assertThatThrownBy(() -> ConnectionOptions.newBuilder().namespace(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("namespace cannot be null");
  }

  @Test
  void aTokenThatIsNotBase64UrlIsRefusedWithoutShowingIt() {
    assertThatThrownBy(
            () -> ConnectionOptions.newBuilder().embeddedServerToken("Bearer secret-value"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("base64url")
        .message()
        .doesNotContain("secret-value");
    assertThatThrownBy(() -> ConnectionOptions.newBuilder().embeddedServerToken(""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("embeddedServerToken must not be empty");
  }

  @Test
  void optionsThatDoNotApplyTogetherAreRefusedByBuild() {
    assertThatThrownBy(
            () -> ConnectionOptions.newBuilder().target("t:7233").embeddedPort(7233).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("embeddedPort applies only to the embedded server");
    assertThatThrownBy(() -> ConnectionOptions.newBuilder().apiKey("secret").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("set target(\"host:port\")");
    assertThatThrownBy(() -> ConnectionOptions.newBuilder().embeddedServerToken("abc").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("embeddedServerToken")
        .hasMessageContaining("target(\"host:port\")");
    assertThatThrownBy(
            () ->
                ConnectionOptions.newBuilder()
                    .target("t:7233")
                    .apiKey("k")
                    .embeddedServerToken("abc")
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cannot be combined");
  }

  @Test
  void settingAnOptionTwiceIsAnError() {
    assertThatThrownBy(() -> ConnectionOptions.newBuilder().namespace("a").namespace("b"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("namespace was already set to a");
    assertThatThrownBy(() -> ConnectionOptions.newBuilder().hostId("h1").hostId("h2"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("hostId was already set to h1");
    assertThatThrownBy(() -> ConnectionOptions.newBuilder().apiKey("k1").apiKey("k2"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("apiKey was already set to ***");
  }

  @Test
  void aBuilderFromExistingOptionsRebuildsThemAndMayChangeEachOnce() throws IOException {
    Path ca = Files.writeString(temp.resolve("ca.pem"), "ca");
    ConnectionOptions options =
        ConnectionOptions.newBuilder()
            .target("temporal.internal:7233")
            .namespace("prod")
            .trustedCertificates(ca)
            .apiKey("key")
            .taskQueue("queue")
            .hostId("host-1")
            .build();

    assertThat(ConnectionOptions.newBuilder(options).build())
        .isEqualTo(options)
        .hasSameHashCodeAs(options);
    ConnectionOptions changed = ConnectionOptions.newBuilder(options).namespace("staging").build();
    assertThat(changed).isNotEqualTo(options);
    assertThat(changed.namespace()).isEqualTo("staging");
    assertThat(changed.tls()).isTrue();
    assertThat(changed.trustedCertificates()).contains(ca.toAbsolutePath());
  }

  @Test
  void theDefaultsCanBeTurnedIntoAClusterConnection() {
    ConnectionOptions cluster =
        ConnectionOptions.newBuilder(ConnectionOptions.getDefaultInstance())
            .target("temporal.internal:7233")
            .build();

    assertThat(cluster.target()).contains("temporal.internal:7233");
    ConnectionOptions embeddedOn7233 = ConnectionOptions.newBuilder().embeddedPort(7233).build();
    assertThatThrownBy(() -> ConnectionOptions.newBuilder(embeddedOn7233).target("t:7233").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("embeddedPort applies only to the embedded server");
  }

  @Test
  void toStringHidesTheSecrets() {
    ConnectionOptions options =
        ConnectionOptions.newBuilder().target("t:7233").apiKey("the-api-key").build();

    assertThat(options.toString())
        .contains("t:7233")
        .contains("apiKey=***")
        .doesNotContain("the-api-key");
  }

  @Test
  void theDefaultHostIdIsAValidHostIdUniqueToTheCall() {
    String first = ConnectionOptions.defaultHostId();

    assertThat(ConnectionOptions.newBuilder().hostId(first).build().hostId()).contains(first);
    assertThat(ConnectionOptions.defaultHostId()).isNotEqualTo(first);
  }
}
