package io.openswarm.testkit.fault;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.CountDownLatch;

/**
 * Plays an agent server for the crash tests: listens on 127.0.0.1 at the port given, starts a
 * {@code sleep} child (so the agent is a process tree, as a real one is), and runs until killed.
 */
public final class PortHolderMain {

  private PortHolderMain() {}

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      Process child = new ProcessBuilder("sleep", "86400").inheritIO().start();
      System.out.println("listening on " + port + ", child " + child.pid());
      System.out.flush();
      new CountDownLatch(1).await();
    }
  }
}
