package io.tradekit.resource;

/**
 * {@link ResourceRegistry#openAll} stopped because a stop was requested during start-up
 * ({@link ResourceRegistry#cancelOpening()}). Names the resource whose opening was cancelled (or
 * the next one that would have been opened). Not a failure of the resource: the supervisor treats
 * it as the start-up giving way to the stop.
 */
public class OpenCancelledException extends RuntimeException {

  private final String resourceName;

  public OpenCancelledException(String resourceName) {
    super("stop requested during start-up: opening of resource '" + resourceName + "' cancelled", null, false, false);
    this.resourceName = resourceName;
  }

  public String resourceName() {
    return resourceName;
  }
}
