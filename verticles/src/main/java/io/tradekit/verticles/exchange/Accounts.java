package io.tradekit.verticles.exchange;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * The simulated exchange's authentication: the configured test accounts, the tokens
 * {@code public/auth} issued (client_credentials, client_signature and refresh_token grants), and
 * the HMAC-SHA256 signature check shared by the client_signature grant and the HTTP
 * {@code Authorization: deri-hmac-sha256 ...} header.
 *
 * <p>Signatures: a timestamp more than {@link #SIGNATURE_WINDOW_MS} from the server clock is
 * refused, and so is a (client id, timestamp, nonce) already accepted. The seen set holds each
 * accepted triple only while its timestamp could still pass the clock check (so at most one
 * window's worth) and at most {@link #MAX_SEEN_NONCES} entries (about 150 bytes each); beyond that
 * the oldest is forgotten, which would let a replay of it through: only past 100k signed requests
 * per two minutes, far above anything the simulator serves.
 *
 * <p>An access token lives {@link SimulatedExchangeOptions#getTokenTtlMs()}, a refresh token ten
 * times as long and only until it is used once. Both maps are bounded ({@link #MAX_TOKENS} each,
 * about 200 bytes per entry; the oldest go first) and expired entries are purged on every grant.
 * Secrets are compared, never logged or echoed in errors. Used only on the exchange's context.
 */
final class Accounts {

  /** Deribit's "invalid_credentials". */
  static final int INVALID_CREDENTIALS = 13004;
  /** Deribit's "unauthorized": no authentication, or an expired/revoked token. */
  static final int UNAUTHORIZED = 13009;
  /** Live tokens kept per kind (access, refresh); beyond it the oldest are forgotten. */
  static final int MAX_TOKENS = 10_000;
  static final String SCOPE = "connection mainaccount trade:read_write wallet:read account:read";
  /** How far a signed request's timestamp may be from the server clock, either way (Deribit: 60 s). */
  static final long SIGNATURE_WINDOW_MS = 60_000;
  /** Accepted (client id, timestamp, nonce) triples remembered for the replay check. */
  static final int MAX_SEEN_NONCES = 100_000;

  private static final class Token {
    final String account;
    final long expiresAtMs;

    Token(String account, long expiresAtMs) {
      this.account = account;
      this.expiresAtMs = expiresAtMs;
    }
  }

  private final Map<String, byte[]> secrets = new HashMap<>();
  private final long tokenTtlMs;
  private final Map<String, Token> accessTokens = new LinkedHashMap<>(16, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Token> eldest) {
      return size() > MAX_TOKENS;
    }
  };
  private final Map<String, Token> refreshTokens = new LinkedHashMap<>(16, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Token> eldest) {
      return size() > MAX_TOKENS;
    }
  };

  /** Accepted signature triples → the time (ms) after which their timestamp fails the clock check anyway. */
  private final LinkedHashMap<String, Long> seenNonces = new LinkedHashMap<>(16, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
      return size() > MAX_SEEN_NONCES;
    }
  };

  Accounts(SimulatedExchangeOptions options) {
    for (SimulatedExchangeOptions.Account a : options.getAccounts()) {
      secrets.put(a.clientId(), a.clientSecret().getBytes(StandardCharsets.UTF_8));
    }
    this.tokenTtlMs = options.getTokenTtlMs();
  }

  /**
   * Answers {@code public/auth}.
   *
   * @return the result object (access_token, expires_in, refresh_token, scope, token_type); the
   *     account is {@link #accountOf} its access_token
   * @throws RpcException 13004 for unknown credentials, a bad client_signature (see
   *     {@link #verifySignature}) or an unknown/expired/used refresh token, -32602 for a missing
   *     parameter or an unsupported grant_type
   */
  JsonObject auth(JsonObject params) {
    String grant = PublicApi.requiredString(params, "grant_type");
    long now = System.currentTimeMillis();
    purgeExpired(now);
    String account;
    if ("client_credentials".equals(grant)) {
      String clientId = PublicApi.requiredString(params, "client_id");
      Object secret = params.getValue("client_secret");
      if (!(secret instanceof String) || ((String) secret).isEmpty()) {
        throw RpcException.invalidParams("client_secret", "required parameter missing");
      }
      byte[] expected = secrets.get(clientId);
      if (expected == null || !MessageDigest.isEqual(expected, ((String) secret).getBytes(StandardCharsets.UTF_8))) {
        throw new RpcException(INVALID_CREDENTIALS, "invalid_credentials",
          new JsonObject().put("reason", "unknown client_id or wrong client_secret"));
      }
      account = clientId;
    } else if ("client_signature".equals(grant)) {
      String clientId = PublicApi.requiredString(params, "client_id");
      long timestampMs = PublicApi.requiredLong(params, "timestamp");
      String signature = PublicApi.requiredString(params, "signature");
      String nonce = params.getValue("nonce") == null ? "" : PublicApi.requiredString(params, "nonce");
      String data = params.getValue("data") == null ? "" : String.valueOf(params.getValue("data"));
      account = verifySignature(clientId, timestampMs, nonce, timestampMs + "\n" + nonce + "\n" + data, signature, now);
    } else if ("refresh_token".equals(grant)) {
      Token refresh = refreshTokens.remove(PublicApi.requiredString(params, "refresh_token"));
      if (refresh == null || refresh.expiresAtMs <= now) {
        throw new RpcException(INVALID_CREDENTIALS, "invalid_credentials",
          new JsonObject().put("reason", "refresh_token unknown, expired or already used").put("param", "refresh_token"));
      }
      account = refresh.account;
    } else {
      throw RpcException.invalidParams("grant_type", "expected client_credentials, client_signature or refresh_token, got " + grant);
    }
    String accessToken = newToken();
    String refreshToken = newToken();
    accessTokens.put(accessToken, new Token(account, now + tokenTtlMs));
    refreshTokens.put(refreshToken, new Token(account, now + 10 * tokenTtlMs));
    JsonObject result = new JsonObject()
      .put("access_token", accessToken)
      .put("expires_in", (tokenTtlMs + 999) / 1000)
      .put("refresh_token", refreshToken)
      .put("scope", SCOPE)
      .put("token_type", "bearer")
      .put("enabled_features", new JsonArray());
    if (params.getValue("state") != null) {
      // Deribit echoes the caller's state so it can match the answer to its request.
      result.put("state", String.valueOf(params.getValue("state")));
    }
    return result;
  }

  /**
   * Checks a signed request: {@code signatureHex} must be the lowercase or uppercase hex
   * HMAC-SHA256 of {@code stringToSign} keyed with {@code clientId}'s secret, {@code timestampMs}
   * within {@link #SIGNATURE_WINDOW_MS} of {@code nowMs}, and (client id, timestamp, nonce) not
   * used before. Errors never contain the secret or the signature.
   *
   * @return the account (client id)
   * @throws RpcException 13004 invalid_credentials for an unknown client id, a wrong signature, a
   *     timestamp outside the window or a replayed nonce ({@code data.param} says which)
   */
  String verifySignature(String clientId, long timestampMs, String nonce, String stringToSign, String signatureHex, long nowMs) {
    byte[] secret = secrets.get(clientId);
    if (secret == null) {
      throw invalidCredentials("client_id", "unknown client_id");
    }
    long skewMs = timestampMs - nowMs;
    if (Math.abs(skewMs) > SIGNATURE_WINDOW_MS) {
      throw invalidCredentials("timestamp", "timestamp is " + skewMs + " ms from the server clock, at most "
        + SIGNATURE_WINDOW_MS + " ms allowed either way (timestamps are in milliseconds)");
    }
    byte[] expected = hmacSha256Hex(secret, stringToSign).getBytes(StandardCharsets.US_ASCII);
    byte[] given = signatureHex.toLowerCase(java.util.Locale.ROOT).getBytes(StandardCharsets.US_ASCII);
    if (!MessageDigest.isEqual(expected, given)) {
      throw invalidCredentials("signature", "signature does not match: expected hex HMAC-SHA256 of the client secret over "
        + "timestamp + \"\\n\" + nonce + \"\\n\" + data (over HTTP data = METHOD \\n URI \\n BODY \\n)");
    }
    purgeSeenNonces(nowMs);
    String key = clientId + '\n' + timestampMs + '\n' + nonce;
    if (seenNonces.containsKey(key)) {
      throw invalidCredentials("nonce", "this client_id, timestamp and nonce were already used: send a new nonce");
    }
    seenNonces.put(key, timestampMs + SIGNATURE_WINDOW_MS);
    return clientId;
  }

  /** Drops seen triples whose timestamp is out of the window anyway (insertion order is roughly time order). */
  private void purgeSeenNonces(long nowMs) {
    for (Iterator<Long> it = seenNonces.values().iterator(); it.hasNext(); ) {
      if (it.next() >= nowMs) {
        return;
      }
      it.remove();
    }
  }

  private static RpcException invalidCredentials(String param, String reason) {
    return new RpcException(INVALID_CREDENTIALS, "invalid_credentials", new JsonObject().put("reason", reason).put("param", param));
  }

  /** @return lowercase hex HMAC-SHA256 of {@code message} (UTF-8) keyed with {@code secret} */
  static String hmacSha256Hex(byte[] secret, String message) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      byte[] digest = mac.doFinal(message.getBytes(StandardCharsets.UTF_8));
      StringBuilder hex = new StringBuilder(digest.length * 2);
      for (byte b : digest) {
        hex.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
      }
      return hex.toString();
    } catch (GeneralSecurityException e) {
      // Every Java runtime must provide HmacSHA256: this is a broken JVM, not bad input.
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }

  /**
   * @return the account (client id) of a valid {@code accessToken}
   * @throws RpcException 13009 when there is none (not authenticated) or it expired or was revoked
   */
  String accountOf(String accessToken) {
    if (accessToken == null) {
      throw new RpcException(UNAUTHORIZED, "unauthorized",
        new JsonObject().put("reason", "this connection is not authenticated: call public/auth first"));
    }
    Token token = accessTokens.get(accessToken);
    if (token == null || token.expiresAtMs <= System.currentTimeMillis()) {
      throw new RpcException(UNAUTHORIZED, "unauthorized",
        new JsonObject().put("reason", "access token expired or revoked: authenticate again").put("param", "access_token"));
    }
    return token.account;
  }

  /** Makes {@code accessToken} expired now (the token_expiry fault); its refresh token stays valid. */
  void expire(String accessToken) {
    if (accessToken != null) {
      accessTokens.remove(accessToken);
    }
  }

  private void purgeExpired(long now) {
    purge(accessTokens, now);
    purge(refreshTokens, now);
  }

  private static void purge(Map<String, Token> tokens, long now) {
    for (Iterator<Token> it = tokens.values().iterator(); it.hasNext(); ) {
      if (it.next().expiresAtMs <= now) {
        it.remove();
      }
    }
  }

  private static String newToken() {
    return UUID.randomUUID().toString().replace("-", "");
  }
}
