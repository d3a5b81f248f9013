package io.openswarm.infra.process.internal;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Puts a small Perl program in front of an unsandboxed command that has no cgroup of its own: it
 * makes itself the command's child subreaper ({@code prctl(PR_SET_CHILD_SUBREAPER)}), so a daemon
 * that double-forks out of the tree is re-parented to it instead of to init and stays in the tree
 * the supervisor stops; and when the command exits, it stops whatever was left (TERM, then KILL
 * after {@value #GRACE_MILLIS} ms; said in one line of the output) before it exits with the
 * command's code.
 *
 * <p>Perl because {@code perl-base} is part of every Debian-like system (it is "Essential") and can
 * make the {@code prctl} system call, which Java cannot. Where the architecture's system call
 * number is not known or the call fails, the program says so on the command's output and runs the
 * command without it.
 */
public final class Subreaper {

  /** How long what a command left behind gets between TERM and KILL. */
  static final int GRACE_MILLIS = 1000;

  /**
   * The program; {@code $ARGV[0]} is the number of the {@code prctl} system call on this machine (0
   * when unknown), the rest is the command. No modules: loading {@code POSIX} and {@code Config}
   * costs more than the whole program (see docs/benchmarks.md).
   */
  private static final String PROGRAM =
      String.join(
          "\n",
          "my $nr = shift @ARGV;",
          "if (!$nr || syscall($nr, 36, 1, 0, 0, 0) != 0) {",
          "  print STDERR \"openswarm: cannot keep track of processes that leave the tree: \"",
          "    . ($nr ? $! : 'unknown prctl number') . \"\\n\";",
          "  exec { $ARGV[0] } @ARGV or do { print STDERR \"openswarm: cannot run $ARGV[0]: $!\\n\"; exit 127 };",
          "}",
          // The wrapper outlives a stop so that it can reap what is left: the supervisor signals
          // the whole process group
          // and every process of the tree itself, the command included, so the wrapper passes
          // nothing on (a second TERM
          // could catch a shell in its trap). Caught, not ignored: exec gives the command the
          // default handlers back.
          "for my $signal (qw(TERM INT HUP QUIT)) { $SIG{$signal} = sub { }; }",
          "my $child = fork();",
          "die \"openswarm: cannot fork: $!\\n\" unless defined $child;",
          "if ($child == 0) {",
          "  exec { $ARGV[0] } @ARGV or do { print STDERR \"openswarm: cannot run $ARGV[0]: $!\\n\"; exit 127 };",
          "}",
          "my $status = 0;",
          "while (1) {",
          "  my $gone = waitpid(-1, 0);",
          "  if ($gone == $child) { $status = $?; last; }",
          // EINTR is 4 on Linux; %! would load Errno on the first interrupted wait, in the middle
          // of a stop.
          "  last if $gone == -1 && ($! + 0) != 4;",
          "}",
          "sub children {",
          "  my @found;",
          "  opendir(my $proc, '/proc') or return ();",
          "  for my $pid (grep { /^\\d+$/ } readdir $proc) {",
          "    open(my $stat, '<', \"/proc/$pid/stat\") or next;",
          "    my $line = <$stat>; close $stat;",
          "    next unless defined $line && $line =~ /\\)\\s+\\S+\\s+(\\d+)/;",
          "    push @found, $pid if $1 == $$;",
          "  }",
          "  closedir $proc;",
          "  return @found;",
          "}",
          // WNOHANG is 1 on Linux; waitpid answers -1 at once when nothing was left at all, the
          // usual case.
          "sub reap { my $r; 1 while ($r = waitpid(-1, 1)) > 0; return $r; }",
          "my ($termed, $killed) = (0, 0);",
          "for my $round (1 .. 20) {",
          "  last if reap() == -1;",
          "  my @left = children();",
          "  last unless @left;",
          "  if ($round == 1) { $termed = @left } else { $killed += @left }",
          "  kill($round == 1 ? 'TERM' : 'KILL', @left);",
          "  for (1 .. ($round == 1 ? "
              + GRACE_MILLIS / 20
              + " : 10)) { last if reap() == -1; last unless children(); "
              + "select(undef, undef, undef, 0.02); }",
          "}",
          "print STDERR \"openswarm: stopped $termed process(es) the command left running\"",
          "  . ($killed ? \", $killed of them with KILL\" : '') . \"\\n\" if $termed;",
          "exit(($status & 127) ? 128 + ($status & 127) : $status >> 8);");

  /** The {@code prctl} system call's number on this machine's architecture; 0 when not known. */
  private static final int PRCTL =
      switch (System.getProperty("os.arch", "")) {
        case "amd64", "x86_64" -> 157;
        case "aarch64", "riscv64" -> 167;
        case "x86", "i386", "i486", "i586", "i686", "arm", "s390x" -> 172;
        case "ppc64le", "ppc64" -> 171;
        default -> 0;
      };

  private final Path perl;

  private Subreaper(Path perl) {
    this.perl = perl;
  }

  /** The subreaper, when {@code perl} is installed. */
  public static Optional<Subreaper> find() {
    return Executables.resolveSystemTool("perl").map(Subreaper::new);
  }

  /** {@code command} run under the subreaper. */
  public List<String> wrap(List<String> command) {
    Objects.requireNonNull(command, "command cannot be null");
    List<String> wrapped = new ArrayList<>(command.size() + 4);
    wrapped.add(perl.toString());
    wrapped.add("-e");
    wrapped.add(PROGRAM);
    wrapped.add("--");
    wrapped.add(Integer.toString(PRCTL));
    wrapped.addAll(command);
    return wrapped;
  }

  @Override
  public String toString() {
    return "Subreaper{" + perl + "}";
  }
}
