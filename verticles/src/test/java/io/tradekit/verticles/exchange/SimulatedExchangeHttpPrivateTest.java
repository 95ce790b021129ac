package io.tradekit.verticles.exchange;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static io.tradekit.verticles.exchange.SimulatedExchangeOptions.DEFAULT_CLIENT_ID;
import static io.tradekit.verticles.exchange.SimulatedExchangeOptions.DEFAULT_CLIENT_SECRET;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The private API over plain HTTP (bearer token and deri-hmac-sha256 signature), the
 * client_signature grant, and the methods third-party Deribit clients need (issue 18), against a
 * started exchange with a static market. Field lists are the required ones of Deribit's OpenAPI.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 20, timeUnit = TimeUnit.SECONDS)
class SimulatedExchangeHttpPrivateTest {

  static final String BTC = "BTC-PERPETUAL";
  static final List<String> ORDER_FIELDS = List.of("order_id", "order_state", "order_type", "time_in_force",
    "instrument_name", "creation_timestamp", "last_update_timestamp", "direction", "price", "label", "post_only", "api");
  static final List<String> USER_TRADE_FIELDS = List.of("trade_id", "trade_seq", "instrument_name", "timestamp",
    "order_id", "matching_id", "direction", "tick_direction", "index_price", "price", "amount", "fee", "fee_currency",
    "state", "mark_price");
  static final List<String> CURRENCY_FIELDS = List.of("withdrawal_fee", "currency", "currency_long", "min_confirmations",
    "coin_type", "in_cross_collateral_pool");
  static final List<String> SUMMARY_FIELDS = List.of("currency", "balance", "equity", "available_funds", "margin_balance",
    "initial_margin", "maintenance_margin", "total_pl", "session_upl", "session_rpl", "delta_total", "futures_pl", "options_pl");

  private SimulatedExchange exchange;
  private WebClient web;
  private int port;

  @BeforeEach
  void client(Vertx vertx) {
    web = WebClient.create(vertx);
  }

  @AfterEach
  void stop(VertxTestContext ctx) {
    (exchange == null ? Future.succeededFuture() : exchange.stop()).onComplete(ctx.succeedingThenComplete());
  }

  private Future<Integer> start(Vertx vertx) {
    exchange = new SimulatedExchange(new SimulatedExchangeOptions().setTradesPerSecond(0).setBookChangesPerSecond(0));
    return exchange.start(vertx).map(p -> port = p);
  }

  private HttpRequest<Buffer> request(HttpMethod method, String uri) {
    return web.request(method, port, "127.0.0.1", uri);
  }

  private Future<JsonObject> get(String uri, String authorization) {
    HttpRequest<Buffer> r = request(HttpMethod.GET, uri);
    if (authorization != null) {
      r.putHeader("Authorization", authorization);
    }
    return r.send().map(SimulatedExchangeHttpPrivateTest::body);
  }

  private Future<JsonObject> post(String uri, String authorization, String body) {
    HttpRequest<Buffer> r = request(HttpMethod.POST, uri).putHeader("content-type", "application/json");
    if (authorization != null) {
      r.putHeader("Authorization", authorization);
    }
    return r.sendBuffer(Buffer.buffer(body)).map(SimulatedExchangeHttpPrivateTest::body);
  }

  /** The body plus the HTTP status as {@code _status}. */
  private static JsonObject body(HttpResponse<Buffer> response) {
    return response.bodyAsJsonObject().put("_status", response.statusCode());
  }

  private Future<String> bearer() {
    return get("/api/v2/public/auth?grant_type=client_credentials&client_id=" + DEFAULT_CLIENT_ID
      + "&client_secret=" + DEFAULT_CLIENT_SECRET, null)
      .map(reply -> "Bearer " + reply.getJsonObject("result").getString("access_token"));
  }

  static String hmac(String secret, String message) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    return HexFormat.of().formatHex(mac.doFinal(message.getBytes(StandardCharsets.UTF_8)));
  }

  /** Deribit's HTTP signature header for {@code method uri body}, signed with {@code secret}. */
  static String signed(String secret, long ts, String nonce, String method, String uri, String body) throws Exception {
    String sig = hmac(secret, ts + "\n" + nonce + "\n" + method + "\n" + uri + "\n" + body + "\n");
    return "deri-hmac-sha256 id=" + DEFAULT_CLIENT_ID + ",ts=" + ts + ",sig=" + sig + ",nonce=" + nonce;
  }

  static JsonObject result(JsonObject reply) {
    assertThat(reply.getJsonObject("error")).as("error in %s", reply).isNull();
    return reply;
  }

  static void assertError(JsonObject reply, int code, String param) {
    assertThat(reply.getInteger("_status")).isEqualTo(400);
    JsonObject error = reply.getJsonObject("error");
    assertThat(error.getInteger("code")).as("%s", reply).isEqualTo(code);
    assertThat(error.getString("message")).isNotBlank();
    assertThat(error.getJsonObject("data").getString("reason")).isNotBlank();
    if (param != null) {
      assertThat(error.getJsonObject("data").getString("param")).isEqualTo(param);
    }
  }

  @Test
  void aBearerTokenFromHttpAuthReadsAndTradesOverHttpAndNoTokenIsUnauthorized(Vertx vertx, VertxTestContext ctx) {
    String buy = new JsonObject().put("jsonrpc", "2.0").put("id", 7).put("method", "private/buy")
      .put("params", new JsonObject().put("instrument_name", BTC).put("amount", 10).put("type", "market")).encode();
    start(vertx).compose(p -> bearer()).compose(token -> Future.all(List.of(
        get("/api/v2/private/get_positions?currency=BTC", token),
        post("/api/v2/", token, buy),
        get("/api/v2/private/get_positions?currency=BTC", null),
        get("/api/v2/private/get_positions?currency=BTC", "Bearer not-a-token"))))
      .onComplete(ctx.succeeding(all -> ctx.verify(() -> {
        JsonObject positions = result(all.resultAt(0));
        assertThat(positions.getInteger("_status")).isEqualTo(200);
        assertThat(positions.getJsonArray("result").getJsonObject(0).getString("instrument_name")).isEqualTo(BTC);
        JsonObject bought = result(all.resultAt(1));
        assertThat(bought.getInteger("id")).isEqualTo(7);
        assertThat(bought.getJsonObject("result").getJsonObject("order").getString("order_state")).isEqualTo("filled");
        assertError(all.resultAt(2), Accounts.UNAUTHORIZED, null);
        assertError(all.resultAt(3), Accounts.UNAUTHORIZED, "access_token");
        ctx.completeNow();
      })));
  }

  @Test
  void aSignedRequestIsAcceptedOnceAndWrongStaleOrReplayedSignaturesAreRefused(Vertx vertx, VertxTestContext ctx)
    throws Exception {
    long now = System.currentTimeMillis();
    String uri = "/api/v2/private/get_open_orders_by_currency?currency=BTC";
    String good = signed(DEFAULT_CLIENT_SECRET, now, "n1", "GET", uri, "");
    String wrong = signed("not-the-secret", now, "n2", "GET", uri, "");
    String stale = signed(DEFAULT_CLIENT_SECRET, now - 120_000, "n3", "GET", uri, "");
    String body = new JsonObject().put("jsonrpc", "2.0").put("id", 3).put("method", "private/get_account_summary")
      .put("params", new JsonObject().put("currency", "BTC")).encode();
    String postSigned = signed(DEFAULT_CLIENT_SECRET, now, "n4", "POST", "/api/v2/", body);
    start(vertx)
      .compose(p -> get(uri, good))
      .compose(first -> get(uri, good).map(replay -> List.of(first, replay)))
      .compose(r -> Future.all(get(uri, wrong), get(uri, stale), post("/api/v2/", postSigned, body))
        .map(more -> List.of(r.get(0), r.get(1), more.<JsonObject>resultAt(0), more.<JsonObject>resultAt(1), more.<JsonObject>resultAt(2))))
      .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
        assertThat(result(r.get(0)).getJsonArray("result")).isEmpty();
        assertError(r.get(1), Accounts.INVALID_CREDENTIALS, "nonce");
        assertError(r.get(2), Accounts.INVALID_CREDENTIALS, "signature");
        assertThat(r.get(2).encode()).doesNotContain(DEFAULT_CLIENT_SECRET).doesNotContain(wrong.substring(wrong.indexOf("sig=") + 4, wrong.indexOf(",nonce")));
        assertError(r.get(3), Accounts.INVALID_CREDENTIALS, "timestamp");
        assertThat(result(r.get(4)).getJsonObject("result").getString("currency")).isEqualTo("BTC");
        ctx.completeNow();
      })));
  }

  @Test
  void theClientSignatureGrantAuthenticatesAWebSocketConnection(Vertx vertx, VertxTestContext ctx) throws Exception {
    long ts = System.currentTimeMillis();
    JsonObject auth = new JsonObject().put("grant_type", "client_signature").put("client_id", DEFAULT_CLIENT_ID)
      .put("timestamp", ts).put("nonce", "abc").put("data", "hello").put("state", "s-1")
      .put("signature", hmac(DEFAULT_CLIENT_SECRET, ts + "\nabc\nhello"));
    JsonObject bad = auth.copy().put("nonce", "other");
    start(vertx).compose(p -> TestClient.connect(vertx, p))
      .compose(c -> c.call("public/auth", bad).compose(refused -> c.call("public/auth", auth)
        .compose(ok -> c.rpc("private/get_positions", new JsonObject().put("currency", "BTC"))
          .map(positions -> List.of(refused, ok, positions)))))
      .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
        assertThat(((JsonObject) r.get(0)).getJsonObject("error").getInteger("code")).isEqualTo(Accounts.INVALID_CREDENTIALS);
        JsonObject ok = TestClient.result((JsonObject) r.get(1));
        assertThat(ok.getString("access_token")).isNotBlank();
        assertThat(ok.getString("token_type")).isEqualTo("bearer");
        assertThat(ok.getString("state")).isEqualTo("s-1");
        assertThat((JsonArray) r.get(2)).isNotEmpty();
        ctx.completeNow();
      })));
  }

  @Test
  void getInstrumentsWithoutCurrencyListsEveryInstrumentAndGetCurrenciesHasTheRequiredFields(Vertx vertx, VertxTestContext ctx) {
    start(vertx).compose(p -> Future.all(get("/api/v2/public/get_instruments", null), get("/api/v2/public/get_currencies", null)))
      .onComplete(ctx.succeeding(all -> ctx.verify(() -> {
        JsonArray instruments = result(all.resultAt(0)).getJsonArray("result");
        assertThat(instruments.stream().map(i -> ((JsonObject) i).getString("instrument_name")).toList())
          .containsExactlyInAnyOrderElementsOf(exchange.options().getInstruments());
        JsonArray currencies = result(all.resultAt(1)).getJsonArray("result");
        assertThat(currencies.stream().map(c -> ((JsonObject) c).getString("currency")).toList()).containsExactly("BTC", "ETH", "USDC");
        currencies.forEach(c -> assertThat(((JsonObject) c).fieldNames()).containsAll(CURRENCY_FIELDS));
        ctx.completeNow();
      })));
  }

  @Test
  void theNewPrivateMethodsAnswerWithDeribitsFieldNames(Vertx vertx, VertxTestContext ctx) {
    long t0 = System.currentTimeMillis() - 1000;
    start(vertx).compose(p -> bearer()).compose(token ->
      get("/api/v2/private/buy?instrument_name=" + BTC + "&amount=10&type=market&label=taker", token)
        .compose(market -> get("/api/v2/private/buy?instrument_name=" + BTC + "&amount=20&type=limit&price=1000&label=rest", token)
          .compose(rest -> {
            String orderId = result(market).getJsonObject("result").getJsonObject("order").getString("order_id");
            long t1 = System.currentTimeMillis() + 1000;
            return Future.all(List.of(
              get("/api/v2/private/get_open_orders_by_currency?currency=BTC&kind=future&type=all", token),
              get("/api/v2/private/get_open_orders_by_label?currency=BTC&label=rest", token),
              get("/api/v2/private/get_user_trades_by_currency?currency=BTC&count=5&sorting=desc", token),
              get("/api/v2/private/get_user_trades_by_instrument_and_time?instrument_name=" + BTC
                + "&start_timestamp=" + t0 + "&end_timestamp=" + t1, token),
              get("/api/v2/private/get_user_trades_by_order?order_id=" + orderId, token),
              get("/api/v2/private/get_order_history_by_instrument?instrument_name=" + BTC, token),
              get("/api/v2/private/get_account_summary?currency=BTC&extended=true", token),
              get("/api/v2/private/get_user_trades_by_instrument?instrument_name=" + BTC + "&start_timestamp=" + t0, token),
              get("/api/v2/private/get_user_trades_by_currency?currency=SOL", token)))
              .map(all -> List.of(orderId, all));
          })))
      .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
        String orderId = (String) r.get(0);
        io.vertx.core.CompositeFuture all = (io.vertx.core.CompositeFuture) r.get(1);
        JsonArray open = result(all.resultAt(0)).getJsonArray("result");
        assertThat(open).hasSize(1);
        assertThat(open.getJsonObject(0).fieldNames()).containsAll(ORDER_FIELDS);
        assertThat(result(all.resultAt(1)).getJsonArray("result").getJsonObject(0).getString("label")).isEqualTo("rest");
        JsonObject byCurrency = result(all.resultAt(2)).getJsonObject("result");
        assertThat(byCurrency.fieldNames()).contains("trades", "has_more");
        assertThat(byCurrency.getJsonArray("trades")).isNotEmpty();
        byCurrency.getJsonArray("trades").forEach(t -> assertThat(((JsonObject) t).fieldNames()).containsAll(USER_TRADE_FIELDS));
        JsonObject byTime = result(all.resultAt(3)).getJsonObject("result");
        assertThat(byTime.getJsonArray("trades")).hasSameSizeAs(byCurrency.getJsonArray("trades"));
        assertThat(byTime.getBoolean("has_more")).isFalse();
        JsonArray byOrder = result(all.resultAt(4)).getJsonArray("result");
        assertThat(byOrder).isNotEmpty();
        byOrder.forEach(t -> assertThat(((JsonObject) t).getString("order_id")).isEqualTo(orderId));
        JsonArray history = result(all.resultAt(5)).getJsonArray("result");
        assertThat(history.stream().map(o -> ((JsonObject) o).getString("order_id")).toList()).containsExactly(orderId);
        assertThat(history.getJsonObject(0).fieldNames()).containsAll(ORDER_FIELDS);
        JsonObject summary = result(all.resultAt(6)).getJsonObject("result");
        assertThat(summary.fieldNames()).containsAll(SUMMARY_FIELDS);
        // Bought 10 USD of BTC as taker: the fee came off the starting 10 BTC.
        assertThat(summary.getDouble("balance")).isLessThan(10.0).isGreaterThan(9.99);
        assertThat(summary.getDouble("delta_total")).isPositive();
        assertThat(result(all.resultAt(7)).getJsonObject("result").getJsonArray("trades")).isNotEmpty();
        assertError(all.resultAt(8), RpcException.INVALID_PARAMS, "currency");
        ctx.completeNow();
      })));
  }

  @Test
  void connectionOnlyMethodsAreRefusedOverHttpButAccountScopeCancelOnDisconnectWorks(Vertx vertx, VertxTestContext ctx) {
    start(vertx).compose(p -> bearer()).compose(token -> Future.all(List.of(
        get("/api/v2/private/subscribe?channels=user.orders.BTC-PERPETUAL.raw", token),
        get("/api/v2/private/enable_cancel_on_disconnect", token),
        get("/api/v2/private/enable_cancel_on_disconnect?scope=account", token),
        get("/api/v2/public/set_heartbeat?interval=30", null))))
      .onComplete(ctx.succeeding(all -> ctx.verify(() -> {
        assertError(all.resultAt(0), PrivateApi.MUST_BE_WEBSOCKET, null);
        assertError(all.resultAt(1), PrivateApi.MUST_BE_WEBSOCKET, null);
        assertThat(result(all.resultAt(2)).getString("result")).isEqualTo("ok");
        assertError(all.resultAt(3), PrivateApi.MUST_BE_WEBSOCKET, null);
        ctx.completeNow();
      })));
  }

  @Test
  void aLostOrderReplyOverHttpLeavesTheRequestUnansweredWhileTheOrderIsPlaced(Vertx vertx, VertxTestContext ctx) {
    start(vertx).compose(p -> exchange.injectFault(Fault.events(Fault.Type.ORDER_REPLY_LOST, 1, 1.0, 60_000)))
      .compose(v -> bearer())
      .compose(token -> request(HttpMethod.GET, "/api/v2/private/buy?instrument_name=" + BTC + "&amount=10&type=market&label=lost")
        .putHeader("Authorization", token).timeout(1000).send()
        .transform(ar -> Future.succeededFuture(ar.cause())))
      .compose(cause -> exchange.privateOrders().map(orders -> List.of(cause == null ? "answered" : cause, orders)))
      .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
        // The client's own request timeout is the only thing that ends a lost reply.
        assertThat(r.get(0)).isInstanceOf(TimeoutException.class);
        JsonArray orders = (JsonArray) r.get(1);
        assertThat(orders.stream().map(o -> ((JsonObject) o).getString("label")).toList()).containsExactly("lost");
        ctx.completeNow();
      })));
  }
}
