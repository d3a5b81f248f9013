package io.openswarm.testkit.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PromptCommandsTest {

  @Test
  void aWritePromptWritesEverythingAfterThePathSpacesAndNewlinesIncluded() {
    assertThat(PromptCommands.edits("write notes/a.txt two words\nand a line\n"))
        .containsExactly(ScriptedAgent.FileEdit.write("notes/a.txt", "two words\nand a line\n"));
  }

  @Test
  void aWriteWithoutContentWritesAnEmptyFile() {
    assertThat(PromptCommands.edits("write empty.txt"))
        .containsExactly(ScriptedAgent.FileEdit.write("empty.txt", ""));
  }

  @Test
  void aDeletePromptDeletesThePath() {
    assertThat(PromptCommands.edits("delete old.txt"))
        .containsExactly(ScriptedAgent.FileEdit.delete("old.txt"));
  }

  @Test
  void anyOtherPromptEditsNothingAndFinishesNormally() {
    assertThat(PromptCommands.edits("fix the bug in write.txt")).isEmpty();
    assertThat(PromptCommands.turn("fix the bug")).isEqualTo(ScriptedAgent.Turn.NORMAL);
    assertThat(PromptCommands.turn("Hang")).isEqualTo(ScriptedAgent.Turn.NORMAL);
  }

  @Test
  void hangAndFailChangeTheTurnAndEditNothing() {
    assertThat(PromptCommands.turn("hang")).isEqualTo(ScriptedAgent.Turn.HANG);
    assertThat(PromptCommands.turn("fail")).isEqualTo(ScriptedAgent.Turn.FAIL);
    assertThat(PromptCommands.edits("hang")).isEmpty();
  }

  @Test
  void aWriteOrDeleteWithoutAPathIsRefusedNamingThePrompt() {
    assertThatThrownBy(() -> PromptCommands.edits("write"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("a \"write\" prompt must name a path (\"write PATH ...\") but was \"write\"");
    assertThatThrownBy(() -> PromptCommands.edits("delete "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("\"delete PATH ...\"");
  }
}
