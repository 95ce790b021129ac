package io.tradekit.supervisor;

import io.tradekit.config.ConfigException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

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
 * services, then resources, in order, and only then close Vert.x and exit.
 */
final class ProcessMode {

  private static final Logger LOG = LoggerFactory.getLogger(ProcessMode.class);
  private static final List<SupervisorVerticle> SUPERVISORS = new CopyOnWriteArrayList<>();
  private static final AtomicBoolean EXITING = new AtomicBoolean();
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
    if (SUPERVISORS.isEmpty()) {
      exit(ExitCodes.OK, null);
      return;
    }
    // A second signal while stopping changes nothing: the overall deadline bounds the shutdown.
    SUPERVISORS.forEach(s -> s.shutdown(signal));
  }

  /** The main deployment failed: a supervisor's start-up (already rolled back) or another verticle's. */
  static void deployFailed(Throwable cause) {
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
