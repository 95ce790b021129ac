package io.tradekit.verticles.exchange;

import io.tradekit.config.ConfigException;
import io.tradekit.config.ConfigReader;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Config parsing of the simulated exchange: defaults, round trip, and errors that name the key. */
class SimulatedExchangeOptionsTest {

  @Test
  void emptyConfigGivesTheDocumentedDefaults() {
    SimulatedExchangeOptions o = new SimulatedExchangeOptions(new JsonObject());
    assertThat(o.getHost()).isEqualTo(SimulatedExchangeOptions.DEFAULT_HOST);
    assertThat(o.getPort()).isZero();
    assertThat(o.getInstruments()).containsExactly("BTC-PERPETUAL", "ETH-PERPETUAL");
    assertThat(o.getMinHeartbeatIntervalMs()).isEqualTo(10_000);
    assertThat(o.getFaults()).isEmpty();
  }

  @Test
  void toJsonRoundTripsIncludingMaxRateAndFaults() {
    SimulatedExchangeOptions o = new SimulatedExchangeOptions().setTradesPerSecond(SimulatedExchangeOptions.MAX_RATE)
      .setSeed(9).setMinHeartbeatIntervalMs(300).setFaults(java.util.List.of(Fault.silence("ticker.BTC-PERPETUAL.100ms", 50)));
    JsonObject json = o.toJson();
    assertThat(json.getString("tradesPerSecond")).isEqualTo("max");
    assertThat(new SimulatedExchangeOptions(json).toJson()).isEqualTo(json);
  }

  @Test
  void errorsNameTheKeyPath() {
    assertThatThrownBy(() -> new SimulatedExchangeOptions(ConfigReader.of(new JsonObject().put("prot", 1), "services[3].config")))
      .isInstanceOf(ConfigException.class).hasMessageStartingWith("services[3].config.prot: unknown key");
    assertThatThrownBy(() -> new SimulatedExchangeOptions(new JsonObject().put("tradesPerSecond", "fast")))
      .isInstanceOf(ConfigException.class).hasMessageStartingWith("tradesPerSecond:");
    assertThatThrownBy(() -> new SimulatedExchangeOptions(new JsonObject().put("instruments", new JsonArray().add("btc perp"))))
      .isInstanceOf(ConfigException.class).hasMessageStartingWith("instruments[0]:");
    assertThatThrownBy(() -> new SimulatedExchangeOptions(new JsonObject()
      .put("faults", new JsonArray().add(new JsonObject().put("type", "stall")))))
      .isInstanceOf(ConfigException.class).hasMessageStartingWith("faults[0]: durationMs:");
    assertThatThrownBy(() -> new SimulatedExchangeOptions(new JsonObject()
      .put("minHeartbeatIntervalMs", 300).put("minHeartbeatIntervalSeconds", 1)))
      .isInstanceOf(ConfigException.class).hasMessageStartingWith("minHeartbeatIntervalSeconds:");
  }

  @Test
  void privateApiKeysParseAndRoundTripWithTheDefaultTestAccount() {
    SimulatedExchangeOptions defaults = new SimulatedExchangeOptions(new JsonObject());
    assertThat(defaults.getAccounts()).extracting(SimulatedExchangeOptions.Account::clientId)
      .containsExactly(SimulatedExchangeOptions.DEFAULT_CLIENT_ID);
    assertThat(defaults.getTokenTtlMs()).isEqualTo(900_000);
    SimulatedExchangeOptions o = new SimulatedExchangeOptions(new JsonObject()
      .put("accounts", new JsonArray().add(new JsonObject().put("clientId", "bot").put("clientSecret", "s3")))
      .put("tokenTtlMs", 500).put("privateHistorySize", 10)
      .put("faults", new JsonArray().add(new JsonObject().put("type", "order_reply_delay").put("delayMs", 700).put("probability", 0.25))));
    assertThat(o.getAccounts().get(0).toString()).doesNotContain("s3");
    assertThat(o.getFaults().get(0).delayMs()).isEqualTo(700);
    assertThat(o.getFaults().get(0).probability()).isEqualTo(0.25);
    assertThat(new SimulatedExchangeOptions(o.toJson()).toJson()).isEqualTo(o.toJson());
  }

  @Test
  void privateApiErrorsNameTheKeyPath() {
    assertThatThrownBy(() -> new SimulatedExchangeOptions(new JsonObject()
      .put("accounts", new JsonArray().add(new JsonObject().put("clientId", "bot")))))
      .isInstanceOf(ConfigException.class).hasMessageStartingWith("accounts[0].clientSecret:");
    assertThatThrownBy(() -> new SimulatedExchangeOptions(new JsonObject().put("accounts", new JsonArray())))
      .isInstanceOf(ConfigException.class).hasMessageStartingWith("accounts:");
    assertThatThrownBy(() -> new SimulatedExchangeOptions(new JsonObject()
      .put("faults", new JsonArray().add(new JsonObject().put("type", "order_reply_delay")))))
      .isInstanceOf(ConfigException.class).hasMessageStartingWith("faults[0]: delayMs:");
    assertThatThrownBy(() -> new SimulatedExchangeOptions(new JsonObject()
      .put("faults", new JsonArray().add(new JsonObject().put("type", "stall").put("durationMs", 10).put("probability", 0.5)))))
      .isInstanceOf(ConfigException.class).hasMessageStartingWith("faults[0]: probability:");
  }

  @Test
  void stateDirIsInMemoryByDefaultResolvesARelativePathUnderTheDevDataRootAndRoundTrips() {
    SimulatedExchangeOptions defaults = new SimulatedExchangeOptions(new JsonObject());
    assertThat(defaults.getStateDir()).isEmpty();
    assertThat(defaults.isDurable()).isFalse();
    assertThat(defaults.getStateJournalMaxBytes()).isEqualTo(SimulatedExchangeOptions.DEFAULT_STATE_JOURNAL_MAX_BYTES);
    SimulatedExchangeOptions o = new SimulatedExchangeOptions(new JsonObject().put("stateDir", "exchange-state")
      .put("stateJournalMaxBytes", 4096));
    assertThat(o.getStateDir()).isEqualTo(SimulatedExchangeOptions.stateRoot().resolve("exchange-state").toString());
    assertThat(o.isDurable()).isTrue();
    assertThat(new SimulatedExchangeOptions(o.toJson()).toJson()).isEqualTo(o.toJson());
    assertThat(new SimulatedExchangeOptions().setStateDir("/var/lib/sim").getStateDir()).isEqualTo("/var/lib/sim");
    assertThatThrownBy(() -> new SimulatedExchangeOptions(new JsonObject().put("stateJournalMaxBytes", 10)))
      .isInstanceOf(ConfigException.class).hasMessageStartingWith("stateJournalMaxBytes:");
    assertThatThrownBy(() -> new SimulatedExchangeOptions(new JsonObject().put("stateDir", 5)))
      .isInstanceOf(ConfigException.class).hasMessageStartingWith("stateDir:");
  }
}
