package io.openswarm.core.sandbox;

import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A host and port a sandboxed command with a private network may still connect to, such as the
 * agent's model endpoint {@code api.anthropic.com:443} or a local model server {@code
 * 127.0.0.1:4010}.
 *
 * <p>The host is a DNS name, an IPv4 address or an IPv6 address (written {@code [::1]:8080} when
 * parsed); names are kept in lower case and compared exactly, so {@code example.com} does not allow
 * {@code api.example.com}.
 *
 * @param host the host name or address, in lower case, without brackets
 * @param port the TCP port, 1 to 65535
 */
public record NetworkEndpoint(String host, int port) {

  private static final Pattern NAME =
      Pattern.compile(
          "(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*");
  private static final Pattern IPV4 =
      Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
  private static final Pattern IPV6 = Pattern.compile("[0-9a-f:.]*:[0-9a-f:.]*");

  /**
   * Validates the endpoint.
   *
   * @param host a DNS name, an IPv4 or an IPv6 address (without brackets); kept in lower case
   * @param port the TCP port, 1 to 65535
   * @throws NullPointerException if {@code host} is null
   * @throws IllegalArgumentException if {@code host} is not a DNS name, IPv4 or IPv6 address, or
   *     {@code port} is outside 1 to 65535
   */
  public NetworkEndpoint {
    Objects.requireNonNull(host, "host cannot be null");
    host = host.toLowerCase(Locale.ROOT);
    if (!validHost(host)) {
      throw new IllegalArgumentException(
          "endpoint host must be a DNS name, an IPv4 or an IPv6 address but was '" + host + "'");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException(
          "endpoint port must be between 1 and 65535 but was " + port + " (host " + host + ")");
    }
  }

  /**
   * Parses {@code host:port}, such as {@code api.openai.com:443}, {@code 127.0.0.1:4010} or {@code
   * [::1]:8080}.
   *
   * @param hostAndPort the text to parse; surrounding white space is ignored
   * @return the endpoint
   * @throws NullPointerException if {@code hostAndPort} is null
   * @throws IllegalArgumentException if the text is not {@code host:port} with a valid host and a
   *     port of 1 to 65535
   */
  public static NetworkEndpoint parse(String hostAndPort) {
    Objects.requireNonNull(hostAndPort, "hostAndPort cannot be null");
    String text = hostAndPort.strip();
    int colon = text.lastIndexOf(':');
    if (colon <= 0 || colon == text.length() - 1) {
      throw new IllegalArgumentException(
          "endpoint must be host:port (such as api.anthropic.com:443 or "
              + "127.0.0.1:4010) but was '"
              + hostAndPort
              + "'");
    }
    String host = text.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    } else if (host.indexOf(':') >= 0) {
      throw new IllegalArgumentException(
          "endpoint with an IPv6 address must put it in brackets, such as [::1]:8080,"
              + " but was '"
              + hostAndPort
              + "'");
    }
    int port;
    try {
      port = Integer.parseInt(text.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "endpoint port must be a number between 1 and 65535 but was '"
              + text.substring(colon + 1)
              + "' in '"
              + hostAndPort
              + "'");
    }
    return new NetworkEndpoint(host, port);
  }

  /**
   * Whether the host is this machine's loopback: {@code localhost}, an address in {@code
   * 127.0.0.0/8} or {@code ::1}.
   *
   * @return true for a loopback host
   */
  public boolean isLoopback() {
    return host.equals("localhost")
        || host.equals("::1")
        || (IPV4.matcher(host).matches() && host.startsWith("127."));
  }

  /** {@code host:port}, with an IPv6 address in brackets. */
  @Override
  public String toString() {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }

  private static boolean validHost(String host) {
    var ipv4 = IPV4.matcher(host);
    if (ipv4.matches()) {
      for (int i = 1; i <= 4; i++) {
        if (Integer.parseInt(ipv4.group(i)) > 255) {
          return false;
        }
      }
      return true;
    }
    if (host.indexOf(':') >= 0) {
      return IPV6.matcher(host).matches() && host.length() <= 45;
    }
    return NAME.matcher(host).matches()
        && !host.chars().allMatch(c -> Character.isDigit(c) || c == '.');
  }
}
