package io.tradekit.verticles.executor;

import io.tradekit.config.ConfigReader;
import io.tradekit.feed.JsonRpcTransport;
import io.tradekit.feed.PrivateSession;
import io.tradekit.health.KitMetrics;
import io.tradekit.pg.PgResource;
import io.tradekit.redis.GroupConsumer;
import io.tradekit.redis.RedisResource;
import io.tradekit.redis.StreamEntry;
import io.tradekit.resilience.Backoff;
import io.tradekit.supervisor.ServiceVerticle;
import io.tradekit.verticles.md.Streams;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.Status;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The executor (daemon): order intents from strategies in, orders at the exchange out, exactly once.
 *
 * <p>Contract. Intents: Redis stream {@code exec:<exchange>:intents}, consumer group
 * {@code executor}; fields {@code type} (new|cancel|edit), {@code intent_id} (at most 64 characters,
 * starting with {@code labelPrefix}; for {@code new} it IS the order label); new: {@code instrument},
 * {@code side}, {@code amount}, {@code order_type} (limit|market), {@code price} (limit),
 * {@code post_only}, {@code reduce_only}, {@code time_in_force}; cancel: {@code target}; edit:
 * {@code target}, {@code amount}, {@code price}. Outcomes: {@code exec:<exchange>:outcomes} with
 * {@code intent_id, type, status, order_state, order_id, reason, filled_amount, ts}, published after
 * the outcome is in PostgreSQL ({@code intent_outcomes}); the intent is acknowledged after that.
 * Outcomes are at-least-once (a redelivered intent republishes its stored outcome).
 *
 * <p>Lifecycle: a {@link PrivateSession} authenticates and subscribes {@code user.orders|trades.<i>.raw};
 * after every (re)connect the {@link Reconciler} runs; intents are consumed once the first
 * reconciliation succeeded. A discrepancy fails the executor CLOSED: readiness DOWN with the
 * reason, {@code event=executor.fail-closed}, new and edit intents rejected with that reason
 * (cancels still go through); it lasts until restart. A refused authentication is permanent:
 * readiness DOWN and the service fails (no retry loop). Readiness: authenticated, reconciled on the
 * current connection, not failed closed. Stop: the consumer stops after the batch in flight (an
 * intent waiting for the exchange gives up, its row stays pending_new and is resolved by the next
 * start's reconciliation), then the session closes. Everything runs on the verticle's context.
 */
public class ExecutorService extends ServiceVerticle {

  private static final Logger LOG = LoggerFactory.getLogger(ExecutorService.class);

  private ExecutorOptions options;
  private RedisResource redis;
  private OrderStore store;
  private PrivateSession session;
  private IntentProcessor processor;
  private Reconciler reconciler;
  private ExecutorMetrics metrics;
  private GroupConsumer consumer;
  private String consumerName;
  private final Promise<Void> stopSignal = Promise.promise();
  private boolean stopping;
  private long reconciledConnection = -1;
  private long readyConnection = -1;
  private String failClosedReason;
  private String authFailure;
  /** Labels of rows in state unknown: their orders are adopted (and outcomes replaced) when they appear. */
  private final Set<String> unknownLabels = new HashSet<>();
  /** Completed when the current connection's reconciliation finished; replaced (once completed) when the connection is lost. */
  private Promise<Void> reconciled = Promise.promise();
  /** The order events' XADDs, one after the other so the stream keeps the order of the changes. */
  private Future<Void> events = Future.succeededFuture();
  private int eventsPending;
  /** Order events waiting for their XADD at most (about 3 MB); past it they are dropped and counted. */
  static final int MAX_PENDING_EVENTS = 10_000;

  @Override
  protected void validateConfig(ConfigReader config) {
    new ExecutorOptions(config);
  }

  @Override
  public Future<?> start() {
    options = new ExecutorOptions(config());
    if (options.clientSecret == null) {
      return Future.failedFuture(new io.tradekit.config.ConfigException("config.clientSecretFile",
        "was not read: start the executor through the config loader (TradeKit / the launcher), which reads secret files"));
    }
    PgResource pg = service().resource(options.postgres, PgResource.class);
    redis = service().resource(options.redis, RedisResource.class);
    store = new OrderStore(pg, options.exchange);
    store.events(this::publishEvent);
    metrics = new ExecutorMetrics(KitMetrics.of(vertx), options.exchange);
    service().readinessCheck("executor", p -> p.tryComplete(readiness()));
    return Future.succeededFuture().compose(x -> {
        PrivateSession.Credentials credentials = new PrivateSession.Credentials(options.clientId, options.clientSecret);
        JsonRpcTransport.Config transport = new JsonRpcTransport.Config("session", options.exchange, options.url,
          options.connectTimeoutMs, options.requestTimeoutMs, 16 * 1024 * 1024,
          Backoff.fullJitter(options.reconnectInitialMs, options.reconnectMaxMs, 60_000), 1_000, Backoff::monotonicMs);
        session = new PrivateSession(vertx, new PrivateSession.Config(transport, credentials, options.cancelOnDisconnect,
          Reconciler.channels(options.instruments), options.heartbeatIntervalMs, 3.0, options.renewBeforeExpiryMs,
          Backoff.fullJitter(options.rateLimitInitialMs, options.rateLimitMaxMs, 10_000), options.maxRateLimitRetries));
        RiskLimits risk = new RiskLimits(options, System::nanoTime);
        processor = new IntentProcessor(vertx, options, store, session, risk, metrics,
          this::awaitReady, unknownLabels::add, () -> failClosedReason);
        reconciler = new Reconciler(options, store, session, processor::inFlight, unknownLabels::add, this::adoptIfFound,
          risk::baseline);
        return session.start(new SessionListener());
      });
  }

  private Status readiness() {
    JsonObject data = new JsonObject().put("exchange", options.exchange)
      .put("authenticated", session != null && session.isReady())
      .put("reconciled", readyConnection >= 0 && reconciledConnection == readyConnection);
    String reason = authFailure != null ? authFailure : failClosedReason;
    if (reason != null) {
      data.put("reason", reason);
    }
    boolean ok = reason == null && session != null && session.isReady() && reconciledConnection == readyConnection;
    return new Status().setOk(ok).setData(data);
  }

  /**
   * Completes when the current connection is reconciled (not merely authenticated: after a reconnect
   * nothing is sent before that connection's reconciliation completed); fails once the executor is
   * stopping.
   */
  private Future<Void> awaitReady() {
    if (stopping) {
      return Future.failedFuture(new PrivateSession.NotReadyException("executor stopping"));
    }
    return Future.any(reconciled.future(), stopSignal.future()).compose(v -> stopping
      ? Future.failedFuture(new PrivateSession.NotReadyException("executor stopping")) : Future.succeededFuture());
  }

  private final class SessionListener implements PrivateSession.Listener {
    @Override
    public void ready(long connection) {
      readyConnection = connection;
      reconciler.run().onComplete(ar -> {
        if (connection != readyConnection) {
          return;
        }
        if (ar.succeeded()) {
          reconciledConnection = connection;
          reconciled.tryComplete();
          startConsumer();
        } else if (Reconciler.isDiscrepancy(ar.cause())) {
          failClosed(ar.cause().getMessage());
          reconciledConnection = connection;
          reconciled.tryComplete();
          startConsumer();
        } else {
          LOG.warn("event=executor.reconcile-failed exchange={} error=\"{}\"", options.exchange, ar.cause().getMessage());
          // Try again on a fresh connection: reconciliation runs after every connect.
          vertx.setTimer(options.retryDelayMs, t -> {
            if (connection == readyConnection && session.isReady() && !stopping) {
              ready(connection);
            }
          });
        }
      });
    }

    @Override
    public void notification(String channel, Object data) {
      if (channel.startsWith("user.trades.")) {
        store.insertFills(data instanceof JsonArray a ? a : new JsonArray().add(data))
          .onFailure(err -> LOG.warn("event=executor.fill-store-failed error=\"{}\"", err.getMessage()));
      } else if (channel.startsWith("user.orders.")) {
        JsonArray orders = data instanceof JsonArray a ? a : new JsonArray().add(data);
        for (Object o : orders) {
          if (!(o instanceof JsonObject order)) {
            continue;
          }
          String label = order.getString("label");
          store.apply(order).compose(known -> label != null && unknownLabels.contains(label)
              ? adoptIfFound(label).map(known) : Future.succeededFuture(known)).onComplete(ar -> {
            if (ar.succeeded() && !ar.result() && label != null && label.startsWith(options.labelPrefix)
                && !processor.inFlight(label)) {
              failClosed("order " + order.getValue("order_id") + " with our label prefix (label " + label
                + ") has no row here: placed outside this executor");
            } else if (ar.failed()) {
              LOG.warn("event=executor.order-store-failed error=\"{}\"", ar.cause().getMessage());
            }
          });
        }
      }
    }

    @Override
    public void lost(String reason) {
      readyConnection = -1;
      if (reconciled.future().isComplete()) {
        // Waiters from now on wait for the next connection's reconciliation.
        reconciled = Promise.promise();
      }
    }

    @Override
    public void failed(PrivateSession.AuthenticationException error) {
      authFailure = error.getMessage();
      service().fail(error);
    }
  }

  private void failClosed(String reason) {
    if (failClosedReason == null) {
      failClosedReason = reason;
      LOG.error("event=executor.fail-closed exchange={} reason=\"{}\"", options.exchange, reason);
    }
  }

  private void startConsumer() {
    if (consumer != null || stopping) {
      return;
    }
    consumerName = GroupConsumer.claimConsumerName(vertx, service().name());
    consumer = new GroupConsumer(vertx, redis, new GroupConsumer.Settings(options.group, consumerName,
      List.of(Streams.intents(options.exchange)), options.batchSize, options.blockMs, options.claimIdleMs,
      options.claimIntervalMs, options.retryDelayMs, options.commandTimeoutMs), this::handle);
    consumer.start().onFailure(err -> service().fail(err));
  }

  /** Every intent of the batch concurrently (admission is serialised inside); the batch is acknowledged when all are decided. */
  private Future<Void> handle(List<StreamEntry> entries) {
    if (stopping) {
      return Future.failedFuture(new PrivateSession.NotReadyException("executor stopping"));
    }
    List<Future<Void>> all = new ArrayList<>(entries.size());
    for (StreamEntry entry : entries) {
      all.add(handle(entry));
    }
    return Future.join(all).mapEmpty();
  }

  private Future<Void> handle(StreamEntry entry) {
    metrics.intent();
    Intent intent;
    try {
      intent = Intent.parse(entry.fields() == null ? java.util.Map.of() : entry.fields(), options.labelPrefix);
    } catch (Intent.Invalid invalid) {
      metrics.rejected("invalid");
      String id = invalid.intentId != null ? invalid.intentId : "entry:" + entry.id();
      String type = entry.fields() == null ? "" : String.valueOf(entry.fields().getOrDefault("type", ""));
      return publish(Outcome.rejected(id, type.length() > 16 ? type.substring(0, 16) : type, invalid.getMessage()));
    }
    return store.outcome(intent.id()).compose(done -> done != null ? publish(done)
      : processor.process(intent, failClosedReason).compose(this::publish));
  }

  /**
   * An order of a row left unknown has appeared and been applied: the intent's stored {@code unknown}
   * outcome is replaced by what the order now is, and published (strategies read the same intent id
   * again, now with its real status). At most once per intent: the replacement happens only while
   * the stored outcome is unknown.
   */
  private Future<Void> adoptIfFound(String label) {
    return store.find(label).compose(row -> {
      if (row == null || "unknown".equals(row.getString("state")) || "pending_new".equals(row.getString("state"))) {
        return Future.succeededFuture();
      }
      unknownLabels.remove(label);
      LOG.info("event=executor.adopted label={} state={}", label, row.getString("state"));
      return store.adoptOutcome(IntentProcessor.adoptedOutcome(row)).compose(stored -> stored == null
        ? Future.succeededFuture() : publishStored(stored));
    });
  }

  private Future<Void> publish(Outcome outcome) {
    return store.decide(outcome).compose(this::publishStored);
  }

  /**
   * Publishes one stored change on {@code exec:<exchange>:orders}, in the order the changes were
   * stored (one XADD at a time). Best effort: the tables are the record; a failed XADD is logged.
   * At most {@link #MAX_PENDING_EVENTS} wait (about 300 bytes each) while Redis is slow or down;
   * beyond that new events are dropped and counted ({@code tradekit.executor.events.dropped}).
   */
  private void publishEvent(java.util.Map<String, String> event) {
    if (event.get("kind").equals("fill")) {
      metrics.fill();
    }
    if (eventsPending >= MAX_PENDING_EVENTS) {
      metrics.eventDropped();
      return;
    }
    eventsPending++;
    List<String> fields = new ArrayList<>(event.size() * 2 + 2);
    event.forEach((k, v) -> {
      fields.add(k);
      fields.add(v);
    });
    fields.add("ts");
    fields.add(Long.toString(System.currentTimeMillis()));
    events = events.transform(ignored -> redis.send(GroupConsumer.xadd(Streams.orders(options.exchange), options.outcomesMaxLen,
        fields), false).<Void>mapEmpty()
      .onFailure(err -> LOG.warn("event=executor.event-publish-failed kind={} error=\"{}\"", event.get("kind"), err.getMessage()))
      .onComplete(ar -> eventsPending--));
  }

  private Future<Void> publishStored(Outcome stored) {
    return redis.send(GroupConsumer.xadd(Streams.outcomes(options.exchange), options.outcomesMaxLen,
      stored.fields(System.currentTimeMillis())), false).mapEmpty();
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    stopSignal.tryComplete();
    Future<Void> consumerStopped = consumer == null ? Future.succeededFuture() : consumer.stop();
    return consumerStopped.eventually(() -> session == null ? Future.succeededFuture() : session.stop())
      .onComplete(ar -> {
        if (consumerName != null) {
          GroupConsumer.releaseConsumerName(vertx, consumerName);
        }
      });
  }
}
