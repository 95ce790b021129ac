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
}
