package io.tradekit.supervisor;

import io.tradekit.config.ConfigException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Process-level glue used only by {@link TradeKitLauncher}: maps SIGTERM/SIGINT to the supervisor's
 * ordered shutdown, and the supervisor's end to {@code vertx.close()} and the process exit code.
 *
 * <p>Why own the signals: the JVM's default handler runs shutdown hooks, and the Vert.x launcher's
 * hook calls {@code vertx.close()}, which closes Vert.x-level resources before undeploying
 * verticles, all in parallel and without timeouts. Replacing the handler lets the supervisor stop
 * services, then resources, in order, and only then close Vert.x and exit. The first signal also
 * starts a watchdog thread that halts the process if that ordered stop overruns its deadline.
 */
final class ProcessMode {

  private static final Logger LOG = LoggerFactory.getLogger(ProcessMode.class);
  private static final List<SupervisorVerticle> SUPERVISORS = new CopyOnWriteArrayList<>();
  private static final AtomicBoolean EXITING = new AtomicBoolean();
  private static final AtomicBoolean WATCHDOG_STARTED = new AtomicBoolean();
  private static volatile Vertx vertx;

  private ProcessMode() {
  }

  /** Called once by the launcher right after Vert.x started. */
  static void install(Vertx processVertx) {
    vertx = processVertx;
    for (String name : new String[] {"TERM", "INT"}) {
      try {
        Signal.handle(new Signal(name), signal -> onSignal("SIG" + signal.getName()));
      } catch (IllegalArgumentException e) {
        LOG.warn("cannot handle SIG{} on this platform: {}", name, e.getMessage());
      }
    }
  }

  static boolean installed() {
    return vertx != null;
  }

  /** Called by every supervisor when it starts; only acts in process mode. */
  static void track(SupervisorVerticle supervisor) {
    if (vertx == null) {
      return;
    }
    SUPERVISORS.add(supervisor);
    supervisor.terminated().onComplete(ar -> {
      if (supervisor.startFailure() != null) {
        // Start-up failed: the deployment is still failing; the launcher's deploy-failure hook
        // (deployFailed) exits once Vert.x has finished with it.
        return;
      }
      if (SUPERVISORS.stream().allMatch(s -> s.terminated().isComplete())) {
        int worst = SUPERVISORS.stream().mapToInt(s -> s.terminated().result() == null ? ExitCodes.FAILURE
          : s.terminated().result()).max().orElse(ExitCodes.FAILURE);
        exit(worst, null);
      }
    });
  }

  private static void onSignal(String signal) {
    startWatchdog(signal);
    if (SUPERVISORS.isEmpty()) {
      exit(ExitCodes.OK, null);
      return;
    }
    // A second signal while stopping changes nothing: the overall deadline bounds the shutdown.
    SUPERVISORS.forEach(s -> s.shutdown(signal));
  }

  /**
   * Starts, once, a plain thread that halts the JVM with exit code 1 and a thread dump if the
   * process has not exited by the stop deadline plus the watchdog margin. Why: the ordered stop runs
   * on Vert.x threads; if one of them is blocked (a service's stop() that never yields, a deadlock),
   * the supervisor's own deadline timer never fires either and SIGTERM would do nothing at all.
   */
  private static void startWatchdog(String signal) {
    if (!WATCHDOG_STARTED.compareAndSet(false, true)) {
      return;
    }
    long budgetMs = SUPERVISORS.stream().mapToLong(SupervisorVerticle::watchdogBudgetMs).max()
      .orElse(SupervisorOptions.DEFAULT_SHUTDOWN_DEADLINE_MS + SupervisorOptions.DEFAULT_WATCHDOG_MARGIN_MS);
    Thread watchdog = new Thread(() -> {
      try {
        Thread.sleep(budgetMs);
      } catch (InterruptedException e) {
        return;
      }
      System.err.println("event=supervisor.watchdog signal=" + signal + " budgetMs=" + budgetMs
        + ": the ordered stop did not finish in time; thread dump follows, then halt(1)");
      System.err.println(threadDump());
      System.err.flush();
      Runtime.getRuntime().halt(ExitCodes.FAILURE);
    }, "tradekit-shutdown-watchdog");
    watchdog.setDaemon(true); // a normal exit must not wait for it
    watchdog.start();
  }

  static String threadDump() {
    StringBuilder dump = new StringBuilder();
    for (ThreadInfo info : ManagementFactory.getThreadMXBean().dumpAllThreads(true, true)) {
      dump.append('"').append(info.getThreadName()).append("\" state=").append(info.getThreadState());
      if (info.getLockName() != null) {
        dump.append(" on ").append(info.getLockName());
      }
      dump.append('\n');
      // ThreadInfo.toString() cuts stacks at 8 frames; print them whole.
      for (StackTraceElement frame : info.getStackTrace()) {
        dump.append("\tat ").append(frame).append('\n');
      }
      dump.append('\n');
    }
    return dump.toString();
  }

  /** The main deployment failed: a supervisor's start-up (already rolled back) or another verticle's. */
  static void deployFailed(Throwable cause) {
    if (cause instanceof StartupCancelledException) {
      // A stop during start-up: the supervisor already ran its ordered stop; exit with its code.
      int worst = SUPERVISORS.stream().mapToInt(s -> s.terminated().isComplete() && s.terminated().succeeded()
        ? s.terminated().result() : ExitCodes.FAILURE).max().orElse(ExitCodes.OK);
      exit(worst, null);
      return;
    }
    boolean config = cause instanceof ConfigException;
    // A supervisor logged its own start-up failure; anything else gets one line here.
    boolean logged = SUPERVISORS.stream().anyMatch(s -> s.startFailure() == cause);
    String line = config ? "config error: " + cause.getMessage()
      : logged ? null : "deployment failed: " + cause.getMessage();
    exit(config ? ExitCodes.CONFIG_ERROR : ExitCodes.FAILURE, line);
  }

  /**
   * Closes Vert.x and exits the JVM once; later calls are ignored.
   *
   * @param lineOrNull one line for stderr (config errors: the supervisor did not log them)
   */
  static void exit(int code, String lineOrNull) {
    if (!EXITING.compareAndSet(false, true)) {
      return;
    }
    if (lineOrNull != null) {
      System.err.println(lineOrNull);
    }
    Vertx v = vertx;
    Future<Void> closed = v == null ? Future.succeededFuture() : v.close();
    closed.onComplete(ar -> {
      System.out.flush();
      System.err.flush();
      // Exit from a fresh thread: System.exit blocks until shutdown hooks finish, and one of them
      // (the Vert.x launcher's) waits on Vert.x, which must not be waited on from its own threads.
      new Thread(() -> System.exit(code), "tradekit-exit").start();
    });
  }
}
