package io.tradekit.supervisor;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tradekit.health.KitMetrics;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Launcher;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.core.metrics.MetricsOptions;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.backends.BackendRegistries;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Main class of {@code tradekit.jar}.
 *
 * <ul>
 *   <li>{@code java -jar tradekit.jar [-conf <file>]}: embedded mode, runs the supervisor with
 *       {@code conf/config.json} (or the given file) read through Vert.x Config;</li>
 *   <li>{@code java -jar tradekit.jar run <verticle> -conf <file>}: the Vert.x launcher's run
 *       command, e.g. {@code run io.tradekit.supervisor.SupervisorVerticle} or
 *       {@code run service:janitor}; every other launcher command works as usual.</li>
 * </ul>
 *
 * <p>In both modes Vert.x runs with its Micrometer metrics on a Prometheus registry that is also the
 * kit's ({@link KitMetrics}), so the admin server's {@code /metrics} shows Vert.x's HTTP, pool,
 * client and event-bus meters beside the kit's; in {@code run} mode, metrics options given with
 * {@code -options} that already enable metrics are kept as they are (the kit then serves its own
 * registry).
 *
 * <p>In both modes SIGTERM/SIGINT run the supervisor's ordered shutdown, and the process exits with
 * the {@link ExitCodes}: 0 clean, 1 failure, 2 configuration error (one line on stderr).
 */
public class TradeKitLauncher extends Launcher {

  /** Config file used when none is given. */
  public static final String DEFAULT_CONFIG = "conf/config.json";

  /** Registry name of the Vert.x metrics this launcher enabled ({@code run} mode), or null. */
  private String metricsRegistryName;

  public static void main(String[] args) {
    if (args.length == 0 || args[0].startsWith("-")) {
      runEmbedded(args);
    } else {
      checkConfArgument(args);
      new TradeKitLauncher().dispatch(args);
    }
  }

  private static void runEmbedded(String[] args) {
    String configPath = DEFAULT_CONFIG;
    List<String> rest = new ArrayList<>(Arrays.asList(args));
    while (!rest.isEmpty()) {
      String arg = rest.remove(0);
      if ((arg.equals("-conf") || arg.equals("--conf")) && !rest.isEmpty()) {
        configPath = rest.remove(0);
      } else if (arg.startsWith("-conf=") || arg.startsWith("--conf=")) {
        configPath = arg.substring(arg.indexOf('=') + 1);
      } else {
        System.err.println("config error: unknown argument \"" + arg
          + "\"; usage: java -jar tradekit.jar [-conf <file>] | run <verticle> [-conf <file>]");
        System.exit(ExitCodes.CONFIG_ERROR);
        return;
      }
    }
    Vertx vertx = KitMetrics.createVertx(new VertxOptions());
    ProcessMode.install(vertx);
    vertx.deployVerticle(SupervisorVerticle.fromFile(configPath)).onFailure(ProcessMode::deployFailed);
  }

  /**
   * Enables Vert.x Micrometer metrics with a Prometheus backend unless {@code -options} enabled
   * metrics already. The launcher creates Vert.x with the metrics factory it finds on the class path
   * (vertx-micrometer-metrics), which builds its registry from these options.
   */
  @Override
  public void beforeStartingVertx(VertxOptions options) {
    MetricsOptions given = options.getMetricsOptions();
    if (given == null || !given.isEnabled()) {
      MicrometerMetricsOptions metrics = KitMetrics.metricsOptions();
      metricsRegistryName = metrics.getRegistryName();
      options.setMetricsOptions(metrics);
    }
  }

  @Override
  public void afterStartingVertx(Vertx vertx) {
    if (metricsRegistryName != null) {
      MeterRegistry registry = BackendRegistries.getNow(metricsRegistryName);
      if (registry instanceof PrometheusMeterRegistry prometheus) {
        KitMetrics.attach(vertx, prometheus);
      }
    }
    ProcessMode.install(vertx);
  }

  @Override
  public void handleDeployFailed(Vertx vertx, String mainVerticle, DeploymentOptions deploymentOptions, Throwable cause) {
    ProcessMode.deployFailed(cause);
  }

  /**
   * The launcher logs an unreadable {@code -conf} with a stack trace (and an invalid one with its
   * whole content, secrets included) and then runs with {}; check it first and fail with one line.
   */
  private static void checkConfArgument(String[] args) {
    for (int i = 0; i < args.length; i++) {
      String value = null;
      if ((args[i].equals("-conf") || args[i].equals("--conf")) && i + 1 < args.length) {
        value = args[i + 1];
      } else if (args[i].startsWith("-conf=") || args[i].startsWith("--conf=")) {
        value = args[i].substring(args[i].indexOf('=') + 1);
      }
      if (value == null) {
        continue;
      }
      String problem = null;
      try {
        new JsonObject(value.trim().startsWith("{") ? value : Files.readString(Path.of(value)));
      } catch (IOException e) {
        problem = "config file not found or unreadable: " + value;
      } catch (DecodeException e) {
        problem = (value.trim().startsWith("{") ? "inline config" : value) + " is not a valid JSON object: "
          + firstLine(e.getMessage());
      }
      if (problem != null) {
        System.err.println("config error: -conf: " + problem);
        System.exit(ExitCodes.CONFIG_ERROR);
      }
    }
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "unparseable";
    }
    int nl = message.indexOf('\n');
    return nl < 0 ? message : message.substring(0, nl);
  }
}
