package io.tradekit.verticles.strategy;

import io.tradekit.config.ConfigException;
import io.tradekit.config.ConfigReader;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The strategy's config block: defaults, exact decimals, and errors that name the key. */
class StrategyOptionsTest {

  private static JsonObject valid() {
    return new JsonObject().put("instruments", new JsonArray().add("BTC-PERPETUAL"))
      .put("tickSizes", new JsonObject().put("BTC-PERPETUAL", "0.5"));
  }

  private static StrategyOptions parse(JsonObject json) {
    return new StrategyOptions(ConfigReader.of(json, "services[strategy].config"));
  }

  @Test
  void defaultsAreExactDecimalsAndFourLiveQuotesPerInstrument() {
    StrategyOptions o = parse(valid());
    assertThat(o.tickSizes.get("BTC-PERPETUAL")).isEqualByComparingTo("0.5");
    assertThat(o.quoteAmount).isEqualTo(new BigDecimal("10"));
    assertThat(o.spreadBps).isEqualTo(new BigDecimal("10"));
    assertThat(o.maxOpenQuotes).isEqualTo(4);
    assertThat(o.quoteIntervalMs).isEqualTo(5_000);
    assertThat(o.labelPrefix).isEqualTo("tk-");
    assertThat(o.group).isEqualTo("strategy");
  }

  @Test
  void badValuesAreConfigExceptionsNamingTheirKey() {
    assertThatThrownBy(() -> parse(valid().put("quoteAmount", "ten"))).isInstanceOf(ConfigException.class)
      .hasMessageStartingWith("services[strategy].config.quoteAmount: expected a decimal above zero");
    assertThatThrownBy(() -> parse(valid().put("spreadBps", 0))).isInstanceOf(ConfigException.class)
      .hasMessageStartingWith("services[strategy].config.spreadBps:");
    assertThatThrownBy(() -> parse(valid().put("tickSizes", new JsonObject().put("BTC-PERPETUAL", "0.5").put("BTC-PERPETUA", "1"))))
      .isInstanceOf(ConfigException.class).hasMessageStartingWith("services[strategy].config.tickSizes.BTC-PERPETUA: unknown key");
    assertThatThrownBy(() -> parse(valid().put("quoteIntervalMS", 1000))).isInstanceOf(ConfigException.class)
      .hasMessageStartingWith("services[strategy].config.quoteIntervalMS: unknown key");
    assertThatThrownBy(() -> parse(valid().put("labelPrefix", "a-very-long-prefix-for-the-labels")))
      .isInstanceOf(ConfigException.class)
      .hasMessageStartingWith("services[strategy].config.instruments[0]: its quote labels would need 65 characters");
  }
}
