package io.tradekit.resource;

/**
 * {@link ResourceRegistry#openAll} ended because {@link ResourceRegistry#cancelOpening()} was called
 * (a stop during start-up): not a failure of the resource. Carries the resource that was not opened.
 */
public final class OpenCancelledException extends RuntimeException {

  private final String resourceName;

  public OpenCancelledException(String resourceName) {
    super("opening of resource '" + resourceName + "' cancelled: stop requested", null, false, false);
    this.resourceName = resourceName;
  }

  /** @return the resource that was not (or not yet) opened */
  public String resourceName() {
    return resourceName;
  }
}
