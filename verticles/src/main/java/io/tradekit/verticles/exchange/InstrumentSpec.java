package io.tradekit.verticles.exchange;

import java.math.BigDecimal;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What an instrument of the simulated exchange is, named and sized as on the live Deribit:
 * inverse perpetuals {@code BTC-PERPETUAL} and {@code ETH-PERPETUAL} (currency = the coin, amounts
 * in USD, a multiple of the contract size: 10 for BTC, 1 for ETH) and linear USDC perpetuals
 * {@code <COIN>_USDC-PERPETUAL} (currency {@code USDC}, amounts in the base coin, in steps of
 * {@link #amountStep}). There is no {@code SOL} currency on Deribit, so {@code SOL-PERPETUAL} does not
 * exist: {@link #deribit} (the check of configured instruments) refuses it, naming the linear
 * instrument to use instead.
 *
 * <p>Tests isolate their streams with made-up names ({@code GF1A2B3C-PERPETUAL}, {@code E699530-A}):
 * {@link #of} accepts any other name the options allow as a synthetic inverse instrument (currency
 * = its leading letters and digits, tick 0.01, contract size 1), which only the programmatic
 * options allow; a config file may name only instruments Deribit has.
 *
 * <p>Amounts are kept as whole {@link #amountStep steps} ({@code long}) everywhere inside the
 * simulator and written with {@link #amount(long)}; for inverse instruments a step is 1 USD, so
 * nothing changes there. Immutable; any thread.
 */
final class InstrumentSpec {

  private static final Pattern INVERSE = Pattern.compile("(BTC|ETH)-PERPETUAL");
  private static final Pattern LINEAR = Pattern.compile("([A-Z0-9]+)_USDC-PERPETUAL");
  private static final Pattern SYNTHETIC = Pattern.compile("([A-Z0-9]+)([-_][A-Z0-9_-]*)?");
  private static final Map<String, BigDecimal> TICK_SIZES = Map.of(
    "BTC", new BigDecimal("0.5"), "ETH", new BigDecimal("0.05"), "SOL", new BigDecimal("0.01"),
    "XRP", new BigDecimal("0.0001"), "DOGE", new BigDecimal("0.00001"));
  /** Decimals of one amount step of a linear instrument (SOL: 0.1 SOL). */
  private static final Map<String, Integer> LINEAR_AMOUNT_SCALES = Map.of("BTC", 4, "ETH", 3, "SOL", 1, "XRP", 0, "DOGE", 0);

  final String name;
  /** The coin the price refers to ({@code SOL} for {@code SOL_USDC-PERPETUAL}). */
  final String baseCurrency;
  /** Deribit's currency of the instrument: settlement and margin ({@code BTC}, {@code ETH}, {@code USDC}). */
  final String currency;
  final boolean linear;
  final BigDecimal tickSize;
  /** Decimals of one amount step: 0 for inverse instruments (whole USD). */
  final int amountScale;
  /** The contract size in steps: an amount must be a whole multiple of it. */
  final long contractSizeSteps;

  private InstrumentSpec(String name, String baseCurrency, String currency, boolean linear, BigDecimal tickSize,
                         int amountScale, long contractSizeSteps) {
    this.name = name;
    this.baseCurrency = baseCurrency;
    this.currency = currency;
    this.linear = linear;
    this.tickSize = tickSize;
    this.amountScale = amountScale;
    this.contractSizeSteps = contractSizeSteps;
  }

  /**
   * @return the spec of {@code name}, a synthetic inverse instrument when Deribit has no such name
   *     but it looks like {@code <NAME>-PERPETUAL} (tests)
   * @throws IllegalArgumentException naming the instrument when it is neither
   */
  static InstrumentSpec of(String name) {
    try {
      return deribit(name);
    } catch (IllegalArgumentException notDeribit) {
      Matcher synthetic = SYNTHETIC.matcher(name);
      if (synthetic.matches()) {
        return new InstrumentSpec(name, synthetic.group(1), synthetic.group(1), false, new BigDecimal("0.01"), 0, 1);
      }
      throw notDeribit;
    }
  }

  /**
   * @return the spec of {@code name}
   * @throws IllegalArgumentException naming the instrument when Deribit has no such perpetual
   */
  static InstrumentSpec deribit(String name) {
    Matcher inverse = INVERSE.matcher(name);
    if (inverse.matches()) {
      String coin = inverse.group(1);
      return new InstrumentSpec(name, coin, coin, false, TICK_SIZES.get(coin), 0, "BTC".equals(coin) ? 10 : 1);
    }
    Matcher linear = LINEAR.matcher(name);
    if (linear.matches() && TICK_SIZES.containsKey(linear.group(1))) {
      String coin = linear.group(1);
      return new InstrumentSpec(name, coin, "USDC", true, TICK_SIZES.get(coin), LINEAR_AMOUNT_SCALES.get(coin), 1);
    }
    int dash = name.indexOf('-');
    String coin = dash > 0 ? name.substring(0, dash) : name;
    throw new IllegalArgumentException("no such instrument on Deribit: " + name + " (inverse perpetuals are BTC-PERPETUAL and"
      + " ETH-PERPETUAL; USDC-margined ones are named like " + coin + "_USDC-PERPETUAL for "
      + String.join(", ", LINEAR_AMOUNT_SCALES.keySet().stream().sorted().toList()) + ")");
  }

  /** @return the size of one amount step ({@code 1} for inverse, {@code 0.1} for SOL_USDC) */
  BigDecimal amountStep() {
    return BigDecimal.ONE.movePointLeft(amountScale);
  }

  /** @return the contract size as Deribit lists it (USD for inverse, base coin for linear) */
  BigDecimal contractSize() {
    return BigDecimal.valueOf(contractSizeSteps, amountScale);
  }

  /** @return {@code steps} amount steps as the amount Deribit writes ({@code 10.0}, {@code 1.5}) */
  BigDecimal amount(long steps) {
    return amountScale == 0 ? BigDecimal.valueOf(steps).setScale(1) : BigDecimal.valueOf(steps, amountScale);
  }

  /** @return the index name of the instrument's price ({@code btc_usd}, {@code sol_usdc}) */
  String priceIndex() {
    return baseCurrency.toLowerCase(java.util.Locale.ROOT) + (linear ? "_usdc" : "_usd");
  }
}
