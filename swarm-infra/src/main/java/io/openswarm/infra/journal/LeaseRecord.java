package io.openswarm.infra.journal;

import io.openswarm.infra.process.ProcessIdentity;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * One entry of a {@link LeaseJournal}: a resource of some {@link LeaseKind}, named by a key that is
 * unique for its kind, held by the process {@code owner}.
 *
 * <p>Immutable and thread-safe.
 *
 * @param kind what kind of resource this is
 * @param key names the resource within its kind; 1 to 128 characters from {@code [A-Za-z0-9._-]},
 *     not starting with {@code .} (it becomes part of a file name)
 * @param owner the process that holds the resource; when it is no longer alive the record is an
 *     orphan
 * @param sessionId the {@linkplain LeaseJournal#sessionId() session} of the JVM that wrote the
 *     record
 * @param createdAt when the resource was first leased, truncated to milliseconds
 * @param attributes what the reclaiming component needs to know (a path, a branch, the PID of a
 *     child...); keys and values are strings, kept in key order
 */
public record LeaseRecord(
    LeaseKind kind,
    String key,
    ProcessIdentity owner,
    String sessionId,
    Instant createdAt,
    Map<String, String> attributes) {

  /** The largest allowed key length. */
  public static final int MAX_KEY_LENGTH = 128;

  private static final Pattern KEY =
      Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]{0," + (MAX_KEY_LENGTH - 1) + "}");

  /**
   * Validates and creates a record.
   *
   * @param kind the kind of resource
   * @param key names the resource within its kind; 1 to {@value #MAX_KEY_LENGTH} characters from
   *     {@code [A-Za-z0-9._-]}, not starting with {@code .}
   * @param owner the process that holds the resource
   * @param sessionId the session of the JVM that wrote the record
   * @param createdAt when the resource was first leased; truncated to milliseconds
   * @param attributes what the reclaiming component needs to know; copied in key order
   * @throws NullPointerException if an argument, or an attribute key or value, is null
   * @throws IllegalArgumentException if {@code key} or {@code sessionId} is not valid
   */
  public LeaseRecord {
    Objects.requireNonNull(kind, "kind cannot be null");
    Objects.requireNonNull(owner, "owner cannot be null");
    Objects.requireNonNull(sessionId, "sessionId cannot be null");
    Objects.requireNonNull(createdAt, "createdAt cannot be null");
    Objects.requireNonNull(attributes, "attributes cannot be null");
    checkKey(key);
    if (sessionId.isBlank()) {
      throw new IllegalArgumentException("sessionId must not be blank");
    }
    createdAt = createdAt.truncatedTo(ChronoUnit.MILLIS);
    TreeMap<String, String> sorted = new TreeMap<>();
    attributes.forEach(
        (name, value) ->
            sorted.put(
                Objects.requireNonNull(name, "attribute names cannot be null"),
                Objects.requireNonNull(value, "attribute values cannot be null")));
    attributes = Collections.unmodifiableMap(sorted);
  }

  /**
   * A record of a resource held by this JVM from now on, in this JVM's session.
   *
   * @param kind the kind of resource
   * @param key names the resource within its kind
   * @param attributes what the reclaiming component needs to know
   * @return the record, created now
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code key} is not valid
   */
  public static LeaseRecord ofCurrentProcess(
      LeaseKind kind, String key, Map<String, String> attributes) {
    return new LeaseRecord(
        kind, key, ProcessIdentity.current(), LeaseJournal.sessionId(), Instant.now(), attributes);
  }

  /**
   * This record with its attributes replaced; owner, session and creation time are kept.
   *
   * @param newAttributes the attributes to keep instead
   * @return the new record
   * @throws NullPointerException if {@code newAttributes} is or contains null
   */
  public LeaseRecord withAttributes(Map<String, String> newAttributes) {
    return new LeaseRecord(kind, key, owner, sessionId, createdAt, newAttributes);
  }

  /**
   * This record held by the process of this JVM from now on, in this JVM's session, with {@code
   * newAttributes}; the creation time is kept. What a claimant writes when it takes a record over
   * ({@link LeaseJournal#claim}).
   *
   * @param newAttributes the attributes to keep instead
   * @return the new record
   * @throws NullPointerException if {@code newAttributes} is or contains null
   */
  public LeaseRecord ownedByCurrentProcess(Map<String, String> newAttributes) {
    return new LeaseRecord(
        kind, key, ProcessIdentity.current(), LeaseJournal.sessionId(), createdAt, newAttributes);
  }

  /**
   * The value of attribute {@code name}, or {@code null} when the record does not have it.
   *
   * @param name the attribute's name
   * @return its value, or null
   */
  public @Nullable String attribute(String name) {
    return attributes.get(name);
  }

  /**
   * Checks that {@code key} can name a record.
   *
   * @throws NullPointerException if {@code key} is null
   * @throws IllegalArgumentException if it cannot
   */
  static void checkKey(String key) {
    Objects.requireNonNull(key, "key cannot be null");
    if (!KEY.matcher(key).matches()) {
      throw new IllegalArgumentException(
          String.format(
              "a lease key must be 1 to %d characters from [A-Za-z0-9._-] and not start with '.' but was \"%s\"",
              MAX_KEY_LENGTH, key.length() > 200 ? key.substring(0, 200) + "..." : key));
    }
  }
}
