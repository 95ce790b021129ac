package io.tradekit.resource;

/**
 * A resource could not be opened before the start-up deadline. The message names the resource,
 * its address (no credentials), how long the registry waited, and the last failure.
 */
public class ResourceUnavailableException extends RuntimeException {

  private final String resourceName;

  public ResourceUnavailableException(String resourceName, String address, long waitedMs, Throwable lastFailure) {
    super("resource '" + resourceName + "' unavailable at " + address + " after " + waitedMs + " ms: "
      + (lastFailure == null ? "no attempt completed" : lastFailure.getMessage()), lastFailure);
    this.resourceName = resourceName;
  }

  /** For subclasses with their own message. */
  protected ResourceUnavailableException(String resourceName, String message, Throwable cause) {
    super(message, cause);
    this.resourceName = resourceName;
  }

  public String resourceName() {
    return resourceName;
  }
}
