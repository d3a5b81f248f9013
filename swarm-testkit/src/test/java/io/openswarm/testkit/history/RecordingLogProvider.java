package io.openswarm.testkit.history;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;
import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.Logger;
import org.slf4j.MDC;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.AbstractLogger;
import org.slf4j.helpers.BasicMDCAdapter;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.simple.SimpleServiceProvider;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * The SLF4J backend of this module's integration tests (selected with {@code -Dslf4j.provider}, see
 * the module's POM): slf4j-simple's output, plus a working MDC (slf4j-simple keeps none) and a way
 * for a test to capture the log events with the MDC of the thread that logged them.
 */
public final class RecordingLogProvider implements SLF4JServiceProvider {

  /** One log line as it was logged. */
  public record Event(
      String logger, Level level, String message, Map<String, String> mdc, String thread) {}

  private static final List<List<Event>> CAPTURES = new CopyOnWriteArrayList<>();

  private final SimpleServiceProvider simple = new SimpleServiceProvider();
  private final BasicMDCAdapter mdc = new BasicMDCAdapter();
  private final IMarkerFactory markers = new BasicMarkerFactory();
  private @Nullable ILoggerFactory loggers;

  /** Whether SLF4J runs on this provider (and so keeps an MDC and can capture). */
  public static boolean active() {
    return MDC.getMDCAdapter() instanceof BasicMDCAdapter;
  }

  /** Starts capturing every event until the capture is closed. */
  public static Capture capture() {
    if (!active()) {
      throw new IllegalStateException(
          "SLF4J does not run on "
              + RecordingLogProvider.class.getName()
              + " but on "
              + MDC.getMDCAdapter().getClass().getName()
              + "; run the test with -Dslf4j.provider="
              + RecordingLogProvider.class.getName()
              + " (the failsafe configuration of swarm-testkit sets it)");
    }
    List<Event> events = new CopyOnWriteArrayList<>();
    CAPTURES.add(events);
    return new Capture(events);
  }

  /** Events captured while it is open. */
  public static final class Capture implements AutoCloseable {
    private final List<Event> events;

    private Capture(List<Event> events) {
      this.events = events;
    }

    /** What was captured so far. */
    public List<Event> events() {
      return new ArrayList<>(events);
    }

    @Override
    public void close() {
      CAPTURES.remove(events);
    }
  }

  @Override
  public ILoggerFactory getLoggerFactory() {
    ILoggerFactory factory = loggers;
    if (factory == null) {
      throw new IllegalStateException("not initialized");
    }
    return factory;
  }

  @Override
  public IMarkerFactory getMarkerFactory() {
    return markers;
  }

  @Override
  public MDCAdapter getMDCAdapter() {
    return mdc;
  }

  @Override
  public String getRequestedApiVersion() {
    return "2.0.99";
  }

  @Override
  public void initialize() {
    simple.initialize();
    ILoggerFactory output = simple.getLoggerFactory();
    loggers = name -> new RecordingLogger(name, output.getLogger(name), mdc);
  }

  /** Records an event for the open captures, then hands it to slf4j-simple. */
  private static final class RecordingLogger extends AbstractLogger {
    private static final long serialVersionUID = 1L;
    private final transient Logger output;
    private final transient BasicMDCAdapter mdc;

    RecordingLogger(String name, Logger output, BasicMDCAdapter mdc) {
      this.name = name;
      this.output = output;
      this.mdc = mdc;
    }

    @Override
    protected String getFullyQualifiedCallerName() {
      return RecordingLogger.class.getName();
    }

    @Override
    protected void handleNormalizedLoggingCall(
        Level level,
        @Nullable Marker marker,
        String messagePattern,
        Object @Nullable [] arguments,
        @Nullable Throwable throwable) {
      String message = MessageFormatter.basicArrayFormat(messagePattern, arguments);
      if (!CAPTURES.isEmpty()) {
        Map<String, String> context = mdc.getCopyOfContextMap();
        Event event =
            new Event(
                name,
                level,
                message,
                context == null ? Map.of() : Map.copyOf(context),
                Thread.currentThread().getName());
        for (List<Event> capture : CAPTURES) {
          capture.add(event);
        }
      }
      switch (level) {
        case ERROR -> output.error(message, throwable);
        case WARN -> output.warn(message, throwable);
        case INFO -> output.info(message, throwable);
        case DEBUG -> output.debug(message, throwable);
        default -> output.trace(message, throwable);
      }
    }

    @Override
    public boolean isTraceEnabled() {
      return output.isTraceEnabled();
    }

    @Override
    public boolean isTraceEnabled(Marker marker) {
      return output.isTraceEnabled();
    }

    @Override
    public boolean isDebugEnabled() {
      return output.isDebugEnabled();
    }

    @Override
    public boolean isDebugEnabled(Marker marker) {
      return output.isDebugEnabled();
    }

    @Override
    public boolean isInfoEnabled() {
      return output.isInfoEnabled();
    }

    @Override
    public boolean isInfoEnabled(Marker marker) {
      return output.isInfoEnabled();
    }

    @Override
    public boolean isWarnEnabled() {
      return output.isWarnEnabled();
    }

    @Override
    public boolean isWarnEnabled(Marker marker) {
      return output.isWarnEnabled();
    }

    @Override
    public boolean isErrorEnabled() {
      return output.isErrorEnabled();
    }

    @Override
    public boolean isErrorEnabled(Marker marker) {
      return output.isErrorEnabled();
    }
  }
}
