package io.openswarm.temporal.internal;

import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a running worker holds, released in the reverse order of acquisition: what was acquired last
 * may depend on what came before it (the pool on the supervisor, the workers on the connection). A
 * release that fails is logged and the others still run.
 *
 * <p>Not thread-safe: the worker's lifecycle lock guards it.
 */
public final class ResourceStack implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ResourceStack.class);

  private final String owner;
  private final List<AutoCloseable> resources = new ArrayList<>();

  /**
   * An empty stack.
   *
   * @param owner who holds the resources, for the log (the worker's host id)
   */
  public ResourceStack(String owner) {
    this.owner = owner;
  }

  /**
   * Pushes a resource, to be released before everything pushed earlier.
   *
   * @param <T> the resource's type
   * @param resource the resource
   * @return {@code resource}
   */
  public <T extends AutoCloseable> T push(T resource) {
    resources.add(resource);
    return resource;
  }

  /** Releases everything, last pushed first; logs what fails and goes on. Idempotent. */
  @Override
  public void close() {
    for (int i = resources.size() - 1; i >= 0; i--) {
      try {
        resources.get(i).close();
      } catch (Exception e) {
        log.warn("swarm worker {}: releasing {} failed", owner, resources.get(i), e);
      }
    }
    resources.clear();
  }
}
