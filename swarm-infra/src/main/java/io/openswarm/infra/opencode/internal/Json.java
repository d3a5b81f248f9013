package io.openswarm.infra.opencode.internal;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The shared Jackson mapper and the small tree helpers the OpenCode client needs. OpenCode's
 * replies are read as trees, not bound to classes, so fields it adds in later versions never break
 * parsing.
 *
 * <p>Thread-safe: the mapper is configured once and only read afterwards.
 */
public final class Json {

  /** The mapper; lenient about unknown properties. */
  public static final ObjectMapper MAPPER =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private Json() {}

  /** Returns the text of {@code node.field}, or null if it is missing or not a string. */
  public static @Nullable String text(@Nullable JsonNode node, String field) {
    if (node == null) {
      return null;
    }
    JsonNode value = node.get(field);
    return value != null && value.isTextual() ? value.asText() : null;
  }

  /** Returns {@code node.field} as a long, or {@code fallback} if it is missing or not a number. */
  public static long number(@Nullable JsonNode node, String field, long fallback) {
    if (node == null) {
      return fallback;
    }
    JsonNode value = node.get(field);
    return value != null && value.isNumber() ? value.asLong() : fallback;
  }

  /**
   * Merges {@code overlay} into {@code base}: objects merge recursively, anything else in the
   * overlay replaces what the base had.
   */
  public static void deepMerge(ObjectNode base, JsonNode overlay) {
    Iterator<Map.Entry<String, JsonNode>> fields = overlay.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> field = fields.next();
      JsonNode existing = base.get(field.getKey());
      if (existing instanceof ObjectNode && field.getValue().isObject()) {
        deepMerge((ObjectNode) existing, field.getValue());
      } else {
        base.set(field.getKey(), field.getValue().deepCopy());
      }
    }
  }

  /**
   * Returns at most {@code max} characters of {@code text} on one line: control characters are
   * escaped, and a cut is marked with the number of characters left out.
   */
  public static String excerpt(String text, int max) {
    StringBuilder out = new StringBuilder(Math.min(text.length(), max) + 32);
    int shown = 0;
    for (int i = 0; i < text.length() && shown < max; i++, shown++) {
      char c = text.charAt(i);
      if (c == '\n') {
        out.append("\\n");
      } else if (c == '\r') {
        out.append("\\r");
      } else if (c == '\t') {
        out.append("\\t");
      } else if (Character.isISOControl(c)) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    if (text.length() > shown) {
      out.append("... (").append(text.length() - shown).append(" more chars)");
    }
    return out.toString();
  }
}
