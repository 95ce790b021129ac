package io.tradekit.feed;

/**
 * One decoded notification of a subscribed channel, handed to the feed's consumer.
 *
 * @param channel the Deribit channel, e.g. {@code trades.BTC-PERPETUAL.100ms}
 * @param kind the channel's first segment: {@code trades}, {@code book}, {@code ticker},
 *     {@code chart} or another name
 * @param data the notification's {@code data}: a JsonArray for trades, a JsonObject otherwise;
 *     numbers are exact ({@code Long}/{@code BigDecimal})
 * @param receivedNanos {@link System#nanoTime()} when the frame arrived
 */
public record FeedMessage(String channel, String kind, Object data, long receivedNanos) {

  /** @return the instrument segment of the channel ({@code trades.BTC-PERPETUAL.100ms} → {@code BTC-PERPETUAL}) */
  public String instrument() {
    String[] parts = channel.split("\\.");
    if (parts.length < 2) {
      return "";
    }
    return kind.equals("chart") && parts.length > 2 ? parts[2] : parts[1];
  }
}
