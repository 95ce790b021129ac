package io.tradekit.verticles.feed;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Collects the formatted messages logged under a logger (and its children) while open, so a test
 * can observe what the code reports (e.g. each reconnect attempt) without hooks in the code.
 */
final class LogCapture implements AutoCloseable {

  private final Logger logger;
  private final List<String> messages = new CopyOnWriteArrayList<>();
  private final AppenderBase<ILoggingEvent> appender = new AppenderBase<>() {
    @Override
    protected void append(ILoggingEvent event) {
      messages.add(event.getFormattedMessage());
    }
  };

  private LogCapture(String loggerName) {
    logger = (Logger) LoggerFactory.getLogger(loggerName);
    appender.setName("capture-" + System.identityHashCode(this));
    appender.setContext(logger.getLoggerContext());
    appender.start();
    logger.addAppender(appender);
  }

  /** Starts capturing what {@code loggerName} and the loggers below it log. */
  static LogCapture on(String loggerName) {
    return new LogCapture(loggerName);
  }

  /** @return the messages so far that contain every one of {@code parts}, oldest first */
  List<String> containing(String... parts) {
    return messages.stream().filter(m -> {
      for (String part : parts) {
        if (!m.contains(part)) {
          return false;
        }
      }
      return true;
    }).toList();
  }

  @Override
  public void close() {
    logger.detachAppender(appender);
    appender.stop();
  }
}
