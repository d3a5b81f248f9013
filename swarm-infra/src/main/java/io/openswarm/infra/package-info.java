/**
 * The parts of Open Swarm that touch the operating system: git, processes, agents, the lease journal.
 */
@NullMarked
package io.openswarm.infra;

import org.jspecify.annotations.NullMarked;
