package io.tradekit.resilience;

/**
 * A call failed: carries the client name, the operation, the {@link ErrorClass} of the last
 * failure and the number of attempts made. Its cause is the last failure (server message intact).
 */
public class RetryGivenUpException extends RuntimeException {

  private final String client;
  private final ErrorClass errorClass;
  private final int attempts;

  public RetryGivenUpException(String client, String operation, ErrorClass errorClass, int attempts, Throwable cause) {
    super(client + ": " + operation + " failed (" + errorClass + ", " + attempts + " attempt" + (attempts == 1 ? "" : "s")
      + "): " + cause.getMessage(), cause);
    this.client = client;
    this.errorClass = errorClass;
    this.attempts = attempts;
  }

  public String client() {
    return client;
  }

  public ErrorClass errorClass() {
    return errorClass;
  }

  public int attempts() {
    return attempts;
  }
}
