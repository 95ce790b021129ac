package io.tradekit.verticles.exchange;

/**
 * The private-API state of one {@link ExchangeConnection}: who authenticated it (and with which
 * access token), whether cancel-on-disconnect is on, and the one user notification the
 * notify_reorder fault holds back. A new connection starts unauthenticated, as after a reconnect
 * on Deribit. Used only on the exchange's context.
 */
final class PrivateSession {

  /** The authenticated account (client id), or null. */
  String account;
  /** The access token the connection authenticated with; checked on every private call. */
  String accessToken;
  boolean cancelOnDisconnect;
  /** Cancel-on-disconnect scope: the whole account's orders instead of this connection's. */
  boolean cancelWholeAccount;
  /** A user notification held back by notify_reorder, sent after the next one or by {@link #heldTimer}. */
  Channel heldChannel;
  String heldFrame;
  long heldTimer = -1;

  boolean authenticated() {
    return accessToken != null;
  }
}
