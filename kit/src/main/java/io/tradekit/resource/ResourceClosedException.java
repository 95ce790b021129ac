package io.tradekit.resource;

/** A resource was used after it was closed (or before it was opened). Carries the resource name. */
public class ResourceClosedException extends IllegalStateException {

  private final String resourceName;

  public ResourceClosedException(String resourceName) {
    super("resource '" + resourceName + "' is closed");
    this.resourceName = resourceName;
  }

  public String resourceName() {
    return resourceName;
  }
}
