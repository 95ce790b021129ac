package io.tradekit.feed;

/** A request could not complete because the feed's connection closed or the feed was stopped. */
public class FeedClosedException extends IllegalStateException {

  private final String feedName;

  public FeedClosedException(String feedName, String reason) {
    super("feed '" + feedName + "': " + reason);
    this.feedName = feedName;
  }

  public String feedName() {
    return feedName;
  }
}
