package io.openswarm.infra.process.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NoFollowFilesTest {

  @TempDir Path temp;

  @Test
  void createsANewFileInsideItsFolder() throws Exception {
    Path file = temp.resolve("out.log");
    Files.writeString(file, "old");

    try (OutputStream out = NoFollowFiles.createNew(file)) {
      out.write("new".getBytes(StandardCharsets.UTF_8));
    }

    assertThat(Files.readString(file)).isEqualTo("new");
  }

  @Test
  void aPathWithoutAParentFolderIsRefusedWithAMessageNamingIt() {
    // Before, the missing folder reached Files.newDirectoryStream(null) and failed with a bare
    // NullPointerException.
    assertThatThrownBy(() -> NoFollowFiles.createNew(Path.of("out.log")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("file must name a file inside a folder, was out.log");
    assertThatThrownBy(() -> NoFollowFiles.createNew(Path.of("/")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("file must name a file inside a folder, was /");
  }
}
