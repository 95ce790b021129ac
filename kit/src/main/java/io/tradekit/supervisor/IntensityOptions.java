package io.tradekit.supervisor;

import io.tradekit.config.ConfigReader;
import io.vertx.core.json.JsonObject;

import java.util.Set;

/**
 * Restart intensity limit of one service: at most {@code maxRestarts} restarts within any
 * {@code windowMs}. One more failure escalates: the supervisor stops everything cleanly and the
 * process exits 1, instead of restarting in a loop. Config block {@code services[i].intensity}.
 */
public final class IntensityOptions {

  public static final int DEFAULT_MAX_RESTARTS = 5;
  public static final long DEFAULT_WINDOW_MS = 60_000;

  private final int maxRestarts;
  private final long windowMs;

  public IntensityOptions(int maxRestarts, long windowMs) {
    this.maxRestarts = maxRestarts;
    this.windowMs = windowMs;
  }

  public static IntensityOptions fromConfig(ConfigReader block) {
    block.rejectUnknownKeys(Set.of("maxRestarts", "windowMs"));
    return new IntensityOptions(block.intValue("maxRestarts", DEFAULT_MAX_RESTARTS, 0, 10_000),
      block.millis("windowMs", DEFAULT_WINDOW_MS, 1));
  }

  public int maxRestarts() {
    return maxRestarts;
  }

  public long windowMs() {
    return windowMs;
  }

  public JsonObject toJson() {
    return new JsonObject().put("maxRestarts", maxRestarts).put("windowMs", windowMs);
  }
}
