package io.openswarm.examples.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Keeps the Java examples in the README and {@code docs/} compiling: each {@code ```java} block
 * must be the text of a region of {@link DocSnippets} (which the build compiles), named by a {@code
 * <!-- snippet: NAME -->} line right before it. Run with {@code -Ddocs.snippets.write=true} to
 * rewrite the Markdown blocks from the regions.
 */
class DocSnippetsTest {

  private static final Pattern REGION_START = Pattern.compile("^\\s*// snippet: ([a-z0-9-]+)\\s*$");
  private static final Pattern REGION_END = Pattern.compile("^\\s*// end: ([a-z0-9-]+)\\s*$");
  private static final Pattern MARKER = Pattern.compile("^<!-- snippet: ([a-z0-9-]+) -->$");
  private static final String SOURCE = "src/test/java/io/openswarm/examples/docs/DocSnippets.java";

  private static Path root;
  private static Map<String, String> regions;

  @BeforeAll
  static void readRegions() throws IOException {
    Path module = Path.of("").toAbsolutePath();
    root = module.getParent();
    assertThat(root.resolve("README.md")).as("the project root above the examples module").exists();
    regions = regions(Files.readAllLines(module.resolve(SOURCE), StandardCharsets.UTF_8));
    assertThat(regions).as("regions in " + SOURCE).isNotEmpty();
  }

  @Test
  void everyJavaBlockInTheDocumentationIsACompiledSnippet() throws IOException {
    boolean write = Boolean.getBoolean("docs.snippets.write");
    List<String> problems = new ArrayList<>();
    TreeSet<String> used = new TreeSet<>();
    for (Path markdown : markdownFiles()) {
      List<String> lines = Files.readAllLines(markdown, StandardCharsets.UTF_8);
      List<String> rewritten = new ArrayList<>();
      String where = root.relativize(markdown).toString();
      for (int i = 0; i < lines.size(); i++) {
        String line = lines.get(i);
        rewritten.add(line);
        if (!line.strip().startsWith("```java")) {
          continue;
        }
        String indent = line.substring(0, line.length() - line.stripLeading().length());
        int end = i + 1;
        while (end < lines.size() && !lines.get(end).strip().startsWith("```")) {
          end++;
        }
        Matcher marker = i > 0 ? MARKER.matcher(lines.get(i - 1).strip()) : null;
        String block =
            String.join(
                "\n",
                lines.subList(i + 1, end).stream()
                    .map(text -> text.startsWith(indent) ? text.substring(indent.length()) : text)
                    .toList());
        if (marker == null || !marker.matches()) {
          problems.add(
              where
                  + ":"
                  + (i + 1)
                  + ": a ```java block without a <!-- snippet: NAME --> line before it");
        } else if (!regions.containsKey(marker.group(1))) {
          problems.add(
              where + ":" + i + ": snippet '" + marker.group(1) + "' is not a region of " + SOURCE);
        } else {
          used.add(marker.group(1));
          String expected = regions.get(marker.group(1));
          if (write) {
            expected
                .lines()
                .map(text -> text.isEmpty() ? text : indent + text)
                .forEach(rewritten::add);
            i = end - 1;
            continue;
          }
          if (!expected.equals(block)) {
            problems.add(
                where
                    + ":"
                    + (i + 1)
                    + ": block differs from snippet '"
                    + marker.group(1)
                    + "' (run with -Ddocs.snippets.write=true to rewrite it); expected:\n"
                    + expected);
          }
        }
      }
      if (write && !rewritten.equals(lines)) {
        Files.write(markdown, rewritten, StandardCharsets.UTF_8);
      }
    }
    TreeSet<String> unused = new TreeSet<>(regions.keySet());
    unused.removeAll(used);
    assertThat(problems).as("documentation blocks").isEmpty();
    assertThat(unused).as("regions of " + SOURCE + " that no Markdown block shows").isEmpty();
  }

  @Test
  void regionsAreReadDedentedAndBalanced() {
    Map<String, String> read =
        regions(
            List.of(
                "class X {",
                "    // snippet: a",
                "    int x = 1;",
                "      // indented more",
                "    // end: a",
                "}"));
    assertThat(read).containsExactly(Map.entry("a", "int x = 1;\n  // indented more"));
    assertThat(regionsProblem(List.of("// snippet: a", "x();"))).contains("'a' is not closed");
    assertThat(regionsProblem(List.of("// end: a"))).contains("'a' ends without a start");
  }

  private static String regionsProblem(List<String> lines) {
    try {
      regions(lines);
      return "";
    } catch (IllegalStateException e) {
      return e.getMessage();
    }
  }

  private static Map<String, String> regions(List<String> lines) {
    Map<String, String> found = new LinkedHashMap<>();
    String open = null;
    List<String> body = new ArrayList<>();
    for (String line : lines) {
      Matcher start = REGION_START.matcher(line);
      Matcher end = REGION_END.matcher(line);
      if (start.matches()) {
        if (open != null) {
          throw new IllegalStateException(
              "snippet '" + start.group(1) + "' starts inside '" + open + "'");
        }
        open = start.group(1);
        body.clear();
      } else if (end.matches()) {
        if (!end.group(1).equals(open)) {
          throw new IllegalStateException("snippet '" + end.group(1) + "' ends without a start");
        }
        if (found.put(open, dedent(body)) != null) {
          throw new IllegalStateException("snippet '" + open + "' is defined twice");
        }
        open = null;
      } else if (open != null) {
        body.add(line);
      }
    }
    if (open != null) {
      throw new IllegalStateException("snippet '" + open + "' is not closed");
    }
    return found;
  }

  private static String dedent(List<String> body) {
    int indent =
        body.stream()
            .filter(line -> !line.isBlank())
            .mapToInt(line -> line.length() - line.stripLeading().length())
            .min()
            .orElse(0);
    return String.join(
        "\n", body.stream().map(line -> line.isBlank() ? "" : line.substring(indent)).toList());
  }

  private static List<Path> markdownFiles() {
    List<Path> files = new ArrayList<>();
    files.add(root.resolve("README.md"));
    try (Stream<Path> docs = Files.list(root.resolve("docs"))) {
      docs.filter(path -> path.toString().endsWith(".md")).sorted().forEach(files::add);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return files;
  }
}
