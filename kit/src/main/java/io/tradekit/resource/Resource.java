package io.tradekit.resource;

import io.vertx.core.Future;

/**
 * A shared, named dependency of services: a PostgreSQL pool, a Redis client, an HTTP client.
 *
 * <p>One symmetric contract. The supervisor's {@link ResourceRegistry} calls {@link #open()} on the
 * supervisor's context before any service that {@code uses} the resource deploys, and calls
 * {@link #close()} only after the last service has stopped. Services receive open resources
 * through their service context and never open or close them.
 *
 * <p>Implementations must make {@link #close()} idempotent, and once closed every accessor of the
 * underlying client must fail with a {@link ResourceClosedException} that names the resource.
 */
public interface Resource {

  /** @return the name from config (the key under {@code resources}), e.g. {@code postgres} */
  String name();

  /** @return the resource type from config, e.g. {@code postgres}, {@code redis}, {@code http} */
  String type();

  /**
   * @return where the resource connects, for messages and health output, e.g.
   *     {@code 127.0.0.1:5432/tradekit}; never contains credentials
   */
  String address();

  /**
   * Creates the client and verifies once that the dependency answers. A failure means "not
   * reachable yet": the registry retries with backoff up to the configured deadline, so an
   * implementation must leave itself re-openable after a failed attempt.
   */
  Future<Void> open();

  /** Releases everything the resource holds. Idempotent; closing a closed resource succeeds. */
  Future<Void> close();

  /** @return true between a successful {@link #open()} and {@link #close()} */
  boolean isOpen();

  /**
   * A cheap liveness probe for {@code /health/ready}; the only place where a resource may send a
   * proactive PING or {@code SELECT 1}. Fails when closed or unreachable.
   */
  Future<Void> check();
}
