package io.tradekit.verticles.exchange;

import io.tradekit.config.ConfigException;
import io.tradekit.config.ConfigReader;
import io.tradekit.dev.DevServicesOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.math.BigDecimal;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Settings of the {@link SimulatedExchange}: the {@code config} block of the simulated-exchange
 * service, or built fluently by tests and benchmarks.
 *
 * <p>Keys: {@code host} ("127.0.0.1"), {@code port} (0 picks a free port), {@code instruments}
 * (BTC-PERPETUAL, ETH-PERPETUAL), {@code tradesPerSecond} (total over all instruments; a number
 * {@code >= 0} where 0 means no trades, or the string {@code "max"}: as fast as the sockets drain),
 * {@code bookChangesPerSecond} (total), {@code tickerIntervalMs} and {@code chartIntervalMs} (how
 * often ticker and chart notifications go out, whatever interval the channel names),
 * {@code generatorTickMs} (period of the trade/book timers), {@code seed} (prices and chart
 * history), {@code minHeartbeatIntervalMs} or {@code minHeartbeatIntervalSeconds} (smallest
 * {@code public/set_heartbeat} interval; Deribit's is 10 s, tests lower it to a few hundred ms and
 * may then pass a fractional {@code interval}), {@code historyStartMs} (first chart candle; 0 means
 * 30 days before start), {@code tradeHistorySize} (100000: trades kept per instrument for
 * {@code public/get_last_trades_by_instrument}; older ones are gone, as at a real exchange) and
 * {@code faults} (faults active from start, see {@link Fault}).
 *
 * <p>Private API keys: {@code accounts} (a list of {@code {"clientId": .., "clientSecret": ..}}
 * test credentials for {@code public/auth}; {@code clientSecretFile} works too, via the config
 * loader; default ONE account {@value #DEFAULT_CLIENT_ID} / {@value #DEFAULT_CLIENT_SECRET}, a
 * published test credential that guards nothing; optional {@code "balances": {"BTC": 10, ...}}, the
 * starting balance per currency that {@code private/get_account_summary} builds on, default
 * {@link Account#DEFAULT_BALANCES}), {@code tokenTtlMs} (900000: access token
 * lifetime, reported as {@code expires_in} seconds rounded up; refresh tokens live ten times as
 * long; tests use a few hundred ms) and {@code privateHistorySize} (100000: orders and, separately,
 * own fills kept for queries and {@code /admin/private/*}, about 1 KB each; the oldest closed
 * orders and oldest fills are forgotten beyond it, open orders never). An account may start
 * non-flat: {@code "positions": {"BTC-PERPETUAL": -1000}} (filled orders and own trades an hour
 * before start) and {@code "openOrders": N} (resting unlabelled orders far from the market), applied
 * when the account has no state yet. History windows, as on Deribit: {@code closedOrderWindowMs}
 * (30 min: a closed order then disappears from look-ups by label, by id and the recent order
 * history) and {@code userTradesWindowMs} (24 h: user-trade queries see only this window unless
 * {@code historical: true}, which returns only older trades); measured on {@link #getClock()}.
 *
 * <p>State keys: {@code stateDir} ("" : the account state lives in memory only and a restart
 * forgets it, what tests want). When set, the private ledger (orders, own fills, positions and the
 * id counters) is journaled to that directory and restored at start, so paper trading survives a
 * restart, even SIGKILL: a change is written before it is acknowledged. A relative path is
 * resolved against the per-user dev-data directory {@code <java.io.tmpdir>/tradekit-<user>} (see
 * {@link #stateRoot()}), where the embedded default also keeps its PostgreSQL data, so the two
 * are kept and reset together; an absolute path is used as is. Connections are not restored: a
 * restart is like every connection dropping, but open orders stay open and keep filling (Deribit
 * keeps orders when its own side restarts), and the exchange's own stop does not trigger
 * cancel-on-disconnect. {@code stateJournalMaxBytes} (64 MiB): once the journal passes it, a
 * snapshot is written and the journal truncated (also at every start and clean stop), so the
 * directory holds at most one snapshot (bounded by {@code privateHistorySize}) plus about this
 * many journal bytes. Delete the directory while the exchange is stopped to start afresh.
 *
 * <p>Plain mutable value object; not thread-safe, configure it before {@link SimulatedExchange#start}.
 */
public final class SimulatedExchangeOptions {

  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 0;
  public static final List<String> DEFAULT_INSTRUMENTS = List.of("BTC-PERPETUAL", "ETH-PERPETUAL");
  public static final double DEFAULT_TRADES_PER_SECOND = 20;
  /** The {@code tradesPerSecond} value meaning "as fast as the clients' sockets accept". */
  public static final double MAX_RATE = Double.POSITIVE_INFINITY;
  public static final double DEFAULT_BOOK_CHANGES_PER_SECOND = 10;
  public static final long DEFAULT_TICKER_INTERVAL_MS = 1000;
  public static final long DEFAULT_CHART_INTERVAL_MS = 1000;
  public static final long DEFAULT_GENERATOR_TICK_MS = 20;
  public static final long DEFAULT_SEED = 42;
  /** Deribit rejects heartbeat intervals below 10 seconds. */
  public static final long DEFAULT_MIN_HEARTBEAT_INTERVAL_MS = 10_000;
  /** 0: the chart history starts 30 days before the exchange starts. */
  public static final long DEFAULT_HISTORY_START_MS = 0;
  /** Trades kept per instrument for the history endpoint: about 2.5 MB per instrument. */
  public static final int DEFAULT_TRADE_HISTORY_SIZE = 100_000;
  /** The default test account's client id (a published test credential, not a secret). */
  public static final String DEFAULT_CLIENT_ID = "tradekit-sim";
  /** The default test account's client secret (a published test credential, not a secret). */
  public static final String DEFAULT_CLIENT_SECRET = "tradekit-sim-secret";
  public static final long DEFAULT_TOKEN_TTL_MS = 900_000;
  public static final int DEFAULT_PRIVATE_HISTORY_SIZE = 100_000;
  /** Deribit: look-ups by label and order state see a closed order for about 30 minutes. */
  public static final long DEFAULT_CLOSED_ORDER_WINDOW_MS = 30 * 60_000L;
  /** Deribit: user trades of the last 24 h unless {@code historical: true}, which returns only older ones. */
  public static final long DEFAULT_USER_TRADES_WINDOW_MS = 24 * 3_600_000L;
  /** No state directory: the account state is in memory only. */
  public static final String DEFAULT_STATE_DIR = "";
  /** Journal size past which a snapshot replaces it: 64 MiB, about 100k records. */
  public static final long DEFAULT_STATE_JOURNAL_MAX_BYTES = 64L * 1024 * 1024;

  /**
   * One test account of the private API: the credentials {@code public/auth} accepts and the
   * starting balance per currency (what {@code private/get_account_summary} adds P&L and fees to).
   * Immutable.
   */
  public static final class Account {
    /** Starting balances when none are configured: enough to trade every default instrument. */
    public static final Map<String, BigDecimal> DEFAULT_BALANCES =
      Map.of("BTC", BigDecimal.TEN, "ETH", BigDecimal.valueOf(100), "USDC", BigDecimal.valueOf(1_000_000));

    private final String clientId;
    private final String clientSecret;
    private final Map<String, BigDecimal> balances;
    private final Map<String, BigDecimal> startPositions;
    private final int startOpenOrders;

    public Account(String clientId, String clientSecret) {
      this(clientId, clientSecret, DEFAULT_BALANCES);
    }

    /** @param balances starting balance per currency code (e.g. BTC); a currency not listed starts at 0 */
    public Account(String clientId, String clientSecret, Map<String, BigDecimal> balances) {
      this(clientId, clientSecret, balances, Map.of(), 0);
    }

    /**
     * @param startPositions positions the account holds before anything is placed (instrument to
     *     signed amount in Deribit units, e.g. {@code -1000} USD of BTC-PERPETUAL): each becomes a
     *     filled order and an own trade an hour before start, so history shows it too
     * @param startOpenOrders resting limit orders (no label) the account has before start, placed
     *     far from the market; as at a real exchange, an executor starting on an account is not
     *     alone on it
     */
    public Account(String clientId, String clientSecret, Map<String, BigDecimal> balances,
                   Map<String, BigDecimal> startPositions, int startOpenOrders) {
      if (startOpenOrders < 0 || startOpenOrders > 1000) {
        throw new IllegalArgumentException("openOrders: expected a whole number in [0, 1000], got " + startOpenOrders);
      }
      this.startPositions = Map.copyOf(startPositions);
      this.startOpenOrders = startOpenOrders;
      if (clientId == null || clientId.isBlank() || clientSecret == null || clientSecret.isEmpty()) {
        throw new IllegalArgumentException("account: clientId and clientSecret must be non-empty");
      }
      for (Map.Entry<String, BigDecimal> e : balances.entrySet()) {
        if (!e.getKey().matches("[A-Z]+") || e.getValue().signum() < 0) {
          throw new IllegalArgumentException("balances: expected currency codes like BTC with amounts >= 0, got "
            + e.getKey() + "=" + e.getValue());
        }
      }
      this.clientId = clientId;
      this.clientSecret = clientSecret;
      this.balances = Map.copyOf(balances);
    }

    /** @return the positions the account starts with (instrument to signed amount), applied when it has no state yet */
    public Map<String, BigDecimal> startPositions() {
      return startPositions;
    }

    /** @return how many resting orders the account starts with, placed when it has no state yet */
    public int startOpenOrders() {
      return startOpenOrders;
    }

    /** @return the starting balance in {@code currency}, 0 when none was configured */
    public BigDecimal balance(String currency) {
      return balances.getOrDefault(currency, BigDecimal.ZERO);
    }

    public Map<String, BigDecimal> balances() {
      return balances;
    }

    public String clientId() {
      return clientId;
    }

    public String clientSecret() {
      return clientSecret;
    }

    @Override
    public String toString() {
      // Never the secret: options objects end up in logs.
      return "Account{clientId=" + clientId + "}";
    }
  }

  private static final Set<String> KEYS = Set.of("host", "port", "instruments", "tradesPerSecond",
    "bookChangesPerSecond", "tickerIntervalMs", "chartIntervalMs", "generatorTickMs", "seed",
    "minHeartbeatIntervalMs", "minHeartbeatIntervalSeconds", "historyStartMs", "tradeHistorySize", "faults",
    "accounts", "tokenTtlMs", "privateHistorySize", "stateDir", "stateJournalMaxBytes", "closedOrderWindowMs",
    "userTradesWindowMs");

  private String host = DEFAULT_HOST;
  private int port = DEFAULT_PORT;
  private List<String> instruments = DEFAULT_INSTRUMENTS;
  private double tradesPerSecond = DEFAULT_TRADES_PER_SECOND;
  private double bookChangesPerSecond = DEFAULT_BOOK_CHANGES_PER_SECOND;
  private long tickerIntervalMs = DEFAULT_TICKER_INTERVAL_MS;
  private long chartIntervalMs = DEFAULT_CHART_INTERVAL_MS;
  private long generatorTickMs = DEFAULT_GENERATOR_TICK_MS;
  private long seed = DEFAULT_SEED;
  private long minHeartbeatIntervalMs = DEFAULT_MIN_HEARTBEAT_INTERVAL_MS;
  private long historyStartMs = DEFAULT_HISTORY_START_MS;
  private int tradeHistorySize = DEFAULT_TRADE_HISTORY_SIZE;
  private List<Fault> faults = List.of();
  private List<Account> accounts = List.of(new Account(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET));
  private long tokenTtlMs = DEFAULT_TOKEN_TTL_MS;
  private int privateHistorySize = DEFAULT_PRIVATE_HISTORY_SIZE;
  private long closedOrderWindowMs = DEFAULT_CLOSED_ORDER_WINDOW_MS;
  private long userTradesWindowMs = DEFAULT_USER_TRADES_WINDOW_MS;
  private java.time.Clock clock = java.time.Clock.systemUTC();
  private String stateDir = DEFAULT_STATE_DIR;
  private long stateJournalMaxBytes = DEFAULT_STATE_JOURNAL_MAX_BYTES;

  public SimulatedExchangeOptions() {
  }

  /** Parses and validates a config block; throws {@link ConfigException} naming the key path. */
  public SimulatedExchangeOptions(JsonObject json) {
    this(ConfigReader.of(json, ""));
  }

  /** Parses and validates {@code block}; error paths are reported relative to its path. */
  public SimulatedExchangeOptions(ConfigReader block) {
    block.rejectUnknownKeys(KEYS);
    host = block.string("host", DEFAULT_HOST);
    port = block.intValue("port", DEFAULT_PORT, 0, 65535);
    if (block.has("instruments")) {
      instruments = block.stringList("instruments");
      if (instruments.isEmpty()) {
        throw new ConfigException(block.path("instruments"), "expected at least one instrument name");
      }
      for (int i = 0; i < instruments.size(); i++) {
        if (!instruments.get(i).matches("[A-Z0-9_-]+")) {
          throw new ConfigException(block.path("instruments") + "[" + i + "]",
            "expected an instrument name like BTC-PERPETUAL, got \"" + instruments.get(i) + "\"");
        }
        try {
          InstrumentSpec.deribit(instruments.get(i));
        } catch (IllegalArgumentException e) {
          throw new ConfigException(block.path("instruments") + "[" + i + "]", e.getMessage());
        }
      }
    }
    Object rate = block.json().getValue("tradesPerSecond");
    if ("max".equals(rate)) {
      tradesPerSecond = MAX_RATE;
    } else if (rate instanceof String) {
      throw new ConfigException(block.path("tradesPerSecond"), "expected a number >= 0 or \"max\", got string \"" + rate + "\"");
    } else {
      tradesPerSecond = block.doubleValue("tradesPerSecond", DEFAULT_TRADES_PER_SECOND, 0, 10_000_000);
    }
    bookChangesPerSecond = block.doubleValue("bookChangesPerSecond", DEFAULT_BOOK_CHANGES_PER_SECOND, 0, 1_000_000);
    tickerIntervalMs = block.millis("tickerIntervalMs", DEFAULT_TICKER_INTERVAL_MS, 1);
    chartIntervalMs = block.millis("chartIntervalMs", DEFAULT_CHART_INTERVAL_MS, 1);
    generatorTickMs = block.longValue("generatorTickMs", DEFAULT_GENERATOR_TICK_MS, 1, 1000);
    seed = block.longValue("seed", DEFAULT_SEED, Long.MIN_VALUE, Long.MAX_VALUE);
    if (block.has("minHeartbeatIntervalMs") && block.has("minHeartbeatIntervalSeconds")) {
      throw new ConfigException(block.path("minHeartbeatIntervalSeconds"),
        "set either minHeartbeatIntervalMs or minHeartbeatIntervalSeconds, not both");
    }
    if (block.has("minHeartbeatIntervalSeconds")) {
      minHeartbeatIntervalMs = 1000 * block.longValue("minHeartbeatIntervalSeconds", 10, 1, 3600);
    } else {
      minHeartbeatIntervalMs = block.longValue("minHeartbeatIntervalMs", DEFAULT_MIN_HEARTBEAT_INTERVAL_MS, 1, 3_600_000);
    }
    historyStartMs = block.longValue("historyStartMs", DEFAULT_HISTORY_START_MS, 0, Long.MAX_VALUE);
    tradeHistorySize = block.intValue("tradeHistorySize", DEFAULT_TRADE_HISTORY_SIZE, 1, 10_000_000);
    List<Fault> parsed = new ArrayList<>();
    List<ConfigReader> faultBlocks = block.objectList("faults");
    for (ConfigReader f : faultBlocks) {
      try {
        parsed.add(Fault.fromJson(f.json()));
      } catch (IllegalArgumentException e) {
        throw new ConfigException(f.path(), e.getMessage());
      }
    }
    faults = List.copyOf(parsed);
    if (block.has("accounts")) {
      List<Account> list = new ArrayList<>();
      for (ConfigReader a : block.objectList("accounts")) {
        a.rejectUnknownKeys(Set.of("clientId", "clientSecret", "balances", "positions", "openOrders"));
        String secret = a.requiredString("clientSecret");
        if (secret.isEmpty()) {
          throw new ConfigException(a.path("clientSecret"), "expected a non-empty secret");
        }
        Map<String, BigDecimal> balances = Account.DEFAULT_BALANCES;
        if (a.has("balances")) {
          ConfigReader b = a.object("balances");
          balances = new LinkedHashMap<>();
          for (String currency : b.json().fieldNames()) {
            if (!currency.matches("[A-Z]+")) {
              throw new ConfigException(b.path(currency), "expected a currency code like BTC");
            }
            balances.put(currency, BigDecimal.valueOf(b.doubleValue(currency, 0, 0, 1e15)));
          }
        }
        Map<String, BigDecimal> positions = new LinkedHashMap<>();
        if (a.has("positions")) {
          ConfigReader p = a.object("positions");
          for (String instrument : p.json().fieldNames()) {
            Object value = p.json().getValue(instrument);
            try {
              positions.put(instrument, new BigDecimal(String.valueOf(value)));
            } catch (NumberFormatException e) {
              throw new ConfigException(p.path(instrument), "expected a signed amount like -1000 or 2.5, got " + value);
            }
          }
        }
        list.add(new Account(a.requiredString("clientId"), secret, balances, positions,
          a.intValue("openOrders", 0, 0, 1000)));
      }
      if (list.isEmpty()) {
        throw new ConfigException(block.path("accounts"), "expected at least one {clientId, clientSecret}");
      }
      accounts = List.copyOf(list);
    }
    tokenTtlMs = block.millis("tokenTtlMs", DEFAULT_TOKEN_TTL_MS, 1);
    privateHistorySize = block.intValue("privateHistorySize", DEFAULT_PRIVATE_HISTORY_SIZE, 1, 10_000_000);
    String dir = block.string("stateDir", DEFAULT_STATE_DIR);
    try {
      stateDir = resolveStateDir(dir);
    } catch (InvalidPathException e) {
      throw new ConfigException(block.path("stateDir"), "expected a directory path, got \"" + dir + "\": " + e.getMessage());
    }
    stateJournalMaxBytes = block.longValue("stateJournalMaxBytes", DEFAULT_STATE_JOURNAL_MAX_BYTES, 1024, Long.MAX_VALUE);
    closedOrderWindowMs = block.millis("closedOrderWindowMs", DEFAULT_CLOSED_ORDER_WINDOW_MS, 1);
    userTradesWindowMs = block.millis("userTradesWindowMs", DEFAULT_USER_TRADES_WINDOW_MS, 1);
  }

  /** @return how long a closed order stays visible to look-ups by label, by id and in the recent order history */
  public long getClosedOrderWindowMs() {
    return closedOrderWindowMs;
  }

  public SimulatedExchangeOptions setClosedOrderWindowMs(long closedOrderWindowMs) {
    if (closedOrderWindowMs < 1) {
      throw new IllegalArgumentException("closedOrderWindowMs: expected >= 1, got " + closedOrderWindowMs);
    }
    this.closedOrderWindowMs = closedOrderWindowMs;
    return this;
  }

  /** @return how far back user-trade queries reach without {@code historical: true} (and where the archive starts) */
  public long getUserTradesWindowMs() {
    return userTradesWindowMs;
  }

  public SimulatedExchangeOptions setUserTradesWindowMs(long userTradesWindowMs) {
    if (userTradesWindowMs < 1) {
      throw new IllegalArgumentException("userTradesWindowMs: expected >= 1, got " + userTradesWindowMs);
    }
    this.userTradesWindowMs = userTradesWindowMs;
    return this;
  }

  /** @return the clock of the private API (order and trade timestamps, history windows); the system clock by default */
  public java.time.Clock getClock() {
    return clock;
  }

  /** Sets the private API's clock: tests move it forward to age orders and trades out of the history windows. */
  public SimulatedExchangeOptions setClock(java.time.Clock clock) {
    this.clock = java.util.Objects.requireNonNull(clock, "clock");
    return this;
  }

  /**
   * @return where a relative {@code stateDir} is resolved: {@code <java.io.tmpdir>/tradekit-<user>},
   *     the parent of the dev services' kept PostgreSQL data ({@link DevServicesOptions#defaultDataDir()})
   */
  public static Path stateRoot() {
    return DevServicesOptions.defaultDataDir().getParent();
  }

  private static String resolveStateDir(String dir) {
    if (dir == null || dir.isBlank()) {
      return DEFAULT_STATE_DIR;
    }
    return stateRoot().resolve(dir).toAbsolutePath().normalize().toString();
  }

  public String getHost() {
    return host;
  }

  public SimulatedExchangeOptions setHost(String host) {
    this.host = host;
    return this;
  }

  public int getPort() {
    return port;
  }

  public SimulatedExchangeOptions setPort(int port) {
    this.port = port;
    return this;
  }

  public List<String> getInstruments() {
    return instruments;
  }

  public SimulatedExchangeOptions setInstruments(List<String> instruments) {
    this.instruments = List.copyOf(instruments);
    return this;
  }

  /** @return trades per second over all instruments, or {@link #MAX_RATE} */
  public double getTradesPerSecond() {
    return tradesPerSecond;
  }

  public boolean isMaxTradeRate() {
    return tradesPerSecond == MAX_RATE;
  }

  /** @param tradesPerSecond total rate; 0 for none, {@link #MAX_RATE} for as fast as possible */
  public SimulatedExchangeOptions setTradesPerSecond(double tradesPerSecond) {
    this.tradesPerSecond = tradesPerSecond;
    return this;
  }

  public double getBookChangesPerSecond() {
    return bookChangesPerSecond;
  }

  public SimulatedExchangeOptions setBookChangesPerSecond(double bookChangesPerSecond) {
    this.bookChangesPerSecond = bookChangesPerSecond;
    return this;
  }

  public long getTickerIntervalMs() {
    return tickerIntervalMs;
  }

  public SimulatedExchangeOptions setTickerIntervalMs(long tickerIntervalMs) {
    this.tickerIntervalMs = tickerIntervalMs;
    return this;
  }

  public long getChartIntervalMs() {
    return chartIntervalMs;
  }

  public SimulatedExchangeOptions setChartIntervalMs(long chartIntervalMs) {
    this.chartIntervalMs = chartIntervalMs;
    return this;
  }

  public long getGeneratorTickMs() {
    return generatorTickMs;
  }

  public SimulatedExchangeOptions setGeneratorTickMs(long generatorTickMs) {
    this.generatorTickMs = generatorTickMs;
    return this;
  }

  public long getSeed() {
    return seed;
  }

  public SimulatedExchangeOptions setSeed(long seed) {
    this.seed = seed;
    return this;
  }

  public long getMinHeartbeatIntervalMs() {
    return minHeartbeatIntervalMs;
  }

  public SimulatedExchangeOptions setMinHeartbeatIntervalMs(long minHeartbeatIntervalMs) {
    this.minHeartbeatIntervalMs = minHeartbeatIntervalMs;
    return this;
  }

  public long getHistoryStartMs() {
    return historyStartMs;
  }

  public SimulatedExchangeOptions setHistoryStartMs(long historyStartMs) {
    this.historyStartMs = historyStartMs;
    return this;
  }

  /** @return how many of its latest trades each instrument keeps for the history endpoint */
  public int getTradeHistorySize() {
    return tradeHistorySize;
  }

  public SimulatedExchangeOptions setTradeHistorySize(int tradeHistorySize) {
    if (tradeHistorySize < 1) {
      throw new IllegalArgumentException("tradeHistorySize: expected >= 1, got " + tradeHistorySize);
    }
    this.tradeHistorySize = tradeHistorySize;
    return this;
  }

  public List<Fault> getFaults() {
    return faults;
  }

  public SimulatedExchangeOptions setFaults(List<Fault> faults) {
    this.faults = List.copyOf(faults);
    return this;
  }

  /** @return the test accounts {@code public/auth} accepts */
  public List<Account> getAccounts() {
    return accounts;
  }

  public SimulatedExchangeOptions setAccounts(List<Account> accounts) {
    if (accounts.isEmpty()) {
      throw new IllegalArgumentException("accounts: expected at least one account");
    }
    this.accounts = List.copyOf(accounts);
    return this;
  }

  /** @return the access token lifetime in ms */
  public long getTokenTtlMs() {
    return tokenTtlMs;
  }

  public SimulatedExchangeOptions setTokenTtlMs(long tokenTtlMs) {
    if (tokenTtlMs < 1) {
      throw new IllegalArgumentException("tokenTtlMs: expected >= 1, got " + tokenTtlMs);
    }
    this.tokenTtlMs = tokenTtlMs;
    return this;
  }

  /** @return how many orders (and, separately, own fills) the private API keeps at most */
  public int getPrivateHistorySize() {
    return privateHistorySize;
  }

  public SimulatedExchangeOptions setPrivateHistorySize(int privateHistorySize) {
    if (privateHistorySize < 1) {
      throw new IllegalArgumentException("privateHistorySize: expected >= 1, got " + privateHistorySize);
    }
    this.privateHistorySize = privateHistorySize;
    return this;
  }

  /** @return the absolute state directory, or "" when the account state is in memory only */
  public String getStateDir() {
    return stateDir;
  }

  /** @param stateDir a directory (relative: under {@link #stateRoot()}), or null/"" for in-memory state */
  public SimulatedExchangeOptions setStateDir(String stateDir) {
    this.stateDir = resolveStateDir(stateDir);
    return this;
  }

  /** @return whether the account state is journaled to {@link #getStateDir()} */
  public boolean isDurable() {
    return !stateDir.isEmpty();
  }

  /** @return the journal size in bytes past which a snapshot replaces it */
  public long getStateJournalMaxBytes() {
    return stateJournalMaxBytes;
  }

  public SimulatedExchangeOptions setStateJournalMaxBytes(long stateJournalMaxBytes) {
    if (stateJournalMaxBytes < 1024) {
      throw new IllegalArgumentException("stateJournalMaxBytes: expected >= 1024, got " + stateJournalMaxBytes);
    }
    this.stateJournalMaxBytes = stateJournalMaxBytes;
    return this;
  }

  /**
   * @return the options as a config block that the JSON constructor accepts; it holds the test
   *     accounts' secrets, so dump it only through {@code ConfigLoader.redactedForLog}
   */
  public JsonObject toJson() {
    JsonArray faultArray = new JsonArray();
    faults.forEach(f -> faultArray.add(f.toJson()));
    JsonArray accountArray = new JsonArray();
    accounts.forEach(a -> {
      JsonObject balances = new JsonObject();
      a.balances().forEach((currency, amount) -> balances.put(currency, amount.doubleValue()));
      accountArray.add(new JsonObject().put("clientId", a.clientId()).put("clientSecret", a.clientSecret()).put("balances", balances));
    });
    return new JsonObject()
      .put("host", host)
      .put("port", port)
      .put("instruments", new JsonArray(new ArrayList<>(instruments)))
      .put("tradesPerSecond", isMaxTradeRate() ? "max" : (Object) tradesPerSecond)
      .put("bookChangesPerSecond", bookChangesPerSecond)
      .put("tickerIntervalMs", tickerIntervalMs)
      .put("chartIntervalMs", chartIntervalMs)
      .put("generatorTickMs", generatorTickMs)
      .put("seed", seed)
      .put("minHeartbeatIntervalMs", minHeartbeatIntervalMs)
      .put("historyStartMs", historyStartMs)
      .put("tradeHistorySize", tradeHistorySize)
      .put("faults", faultArray)
      .put("accounts", accountArray)
      .put("tokenTtlMs", tokenTtlMs)
      .put("privateHistorySize", privateHistorySize)
      .put("stateDir", stateDir)
      .put("stateJournalMaxBytes", stateJournalMaxBytes)
      .put("closedOrderWindowMs", closedOrderWindowMs)
      .put("userTradesWindowMs", userTradesWindowMs);
  }
}
