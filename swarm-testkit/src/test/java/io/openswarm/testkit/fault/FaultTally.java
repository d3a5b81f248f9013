package io.openswarm.testkit.fault;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;

/**
 * What a randomized run counted and found: outcomes, faults fired, leaks and surprises, and the
 * report the soak and the randomized tests print. Thread-safe: cycles and workflows end on many
 * threads.
 */
final class FaultTally {

  private final Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> faults = new ConcurrentHashMap<>();
  private final List<String> leaks = new CopyOnWriteArrayList<>();
  private final List<String> surprises = new CopyOnWriteArrayList<>();

  void outcome(String key) {
    outcomes.computeIfAbsent(key, k -> new LongAdder()).increment();
  }

  void fault(String key) {
    faults.computeIfAbsent(key, k -> new LongAdder()).increment();
  }

  void leaks(Collection<String> found) {
    leaks.addAll(found);
  }

  void surprise(String what) {
    surprises.add(what);
  }

  List<String> leaks() {
    return List.copyOf(leaks);
  }

  List<String> surprises() {
    return List.copyOf(surprises);
  }

  /** The keys of the faults counted so far ({@code <point> <fault>...}). */
  Set<String> faultKeys() {
    return Set.copyOf(faults.keySet());
  }

  /** How many outcomes were counted under keys starting with {@code prefix}. */
  long outcomesStartingWith(String prefix) {
    return outcomes.entrySet().stream()
        .filter(e -> e.getKey().startsWith(prefix))
        .mapToLong(e -> e.getValue().sum())
        .sum();
  }

  /** Counts of outcomes and faults, and the leaks and surprises found, one per line, sorted. */
  String report() {
    StringBuilder text = new StringBuilder("outcomes:\n");
    new TreeMap<>(outcomes)
        .forEach((k, v) -> text.append("  ").append(k).append(": ").append(v.sum()).append('\n'));
    text.append("faults fired:\n");
    new TreeMap<>(faults)
        .forEach((k, v) -> text.append("  ").append(k).append(": ").append(v.sum()).append('\n'));
    text.append("leaks: ").append(leaks.size()).append('\n');
    leaks.forEach(leak -> text.append("  ").append(leak).append('\n'));
    text.append("surprises: ").append(surprises.size()).append('\n');
    surprises.forEach(s -> text.append("  ").append(s).append('\n'));
    return text.toString();
  }
}
