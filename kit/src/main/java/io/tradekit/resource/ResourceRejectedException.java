package io.tradekit.resource;

/**
 * Opening a resource failed with a PERMANENT error (per
 * {@link io.tradekit.resilience.ErrorClassifier}): the server refused it in a way waiting cannot fix,
 * e.g. a wrong password (SQLSTATE 28P01), an unknown database (3D000) or a Redis error reply such as
 * NOAUTH or WRONGPASS. Start-up fails at once instead of waiting {@code startup.resourceWaitMs}.
 * The message names the resource, its address (never credentials) and the server's message.
 */
public class ResourceRejectedException extends ResourceUnavailableException {

  public ResourceRejectedException(String resourceName, String address, Throwable failure) {
    super(resourceName, "resource '" + resourceName + "' at " + address + " failed permanently (not retried): "
      + failure.getMessage(), failure);
  }
}
