package io.tradekit.dev.impl;

import java.nio.file.Path;

/**
 * Test helper run as a separate JVM: another process using a kept PostgreSQL data directory.
 * Starts {@link DevPostgres} on {@code args[0]}, prints {@code READY <port> <state>}, and stops it
 * when stdin closes (or never, when the test kills it).
 */
public final class KeptPostgresHolder {

  private KeptPostgresHolder() {
  }

  public static void main(String[] args) throws Exception {
    try (DevPostgres postgres = DevPostgres.start(Path.of(args[0]))) {
      postgres.ensureDatabase("holder");
      System.out.println("READY " + postgres.port() + " " + postgres.dataState());
      System.out.flush();
      while (System.in.read() >= 0) {
        // wait for the test to close stdin
      }
    }
  }
}
