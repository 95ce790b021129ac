package io.tradekit.verticles.testing;

import io.tradekit.supervisor.ServiceVerticle;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Test-only service whose {@code stop()} blocks its event loop far longer than any shutdown bound,
 * standing in for a service stuck in a blocking call. {@code ShutdownWatchdogIT} deploys it in a
 * real process to prove that the SIGTERM watchdog ends the process anyway.
 *
 * <p>Blocking the event loop is the point here; no real service may do this. The line it logs
 * before blocking names the blocked thread, so the test can look for it in the watchdog's dump.
 */
public final class BlockingStopService extends ServiceVerticle {

  /** Logged (with {@code thread=<name>}) right before {@code stop()} blocks. */
  public static final String BLOCKING_EVENT = "event=test.stop-blocking";
  /** Longer than any bound of the test, short enough that a leaked process does not live for ever. */
  static final long BLOCK_MS = 120_000;

  private static final Logger LOG = LoggerFactory.getLogger(BlockingStopService.class);

  @Override
  public Future<?> start() {
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() throws InterruptedException {
    LOG.info("{} thread={}", BLOCKING_EVENT, Thread.currentThread().getName());
    blockEventLoop();
    return Future.succeededFuture();
  }

  /** A named frame for the thread dump: the watchdog's dump must show the service stuck here. */
  private static void blockEventLoop() throws InterruptedException {
    Thread.sleep(BLOCK_MS);
  }
}
