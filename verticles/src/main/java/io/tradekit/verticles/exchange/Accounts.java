package io.tradekit.verticles.exchange;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.security.MessageDigest;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * The simulated exchange's authentication: the configured test accounts and the tokens
 * {@code public/auth} issued (client_credentials and refresh_token grants).
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
   * @throws RpcException 13004 for unknown credentials or an unknown/expired/used refresh token,
   *     -32602 for a missing parameter or an unsupported grant_type
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
    } else if ("refresh_token".equals(grant)) {
      Token refresh = refreshTokens.remove(PublicApi.requiredString(params, "refresh_token"));
      if (refresh == null || refresh.expiresAtMs <= now) {
        throw new RpcException(INVALID_CREDENTIALS, "invalid_credentials",
          new JsonObject().put("reason", "refresh_token unknown, expired or already used").put("param", "refresh_token"));
      }
      account = refresh.account;
    } else {
      throw RpcException.invalidParams("grant_type", "expected client_credentials or refresh_token, got " + grant);
    }
    String accessToken = newToken();
    String refreshToken = newToken();
    accessTokens.put(accessToken, new Token(account, now + tokenTtlMs));
    refreshTokens.put(refreshToken, new Token(account, now + 10 * tokenTtlMs));
    return new JsonObject()
      .put("access_token", accessToken)
      .put("expires_in", (tokenTtlMs + 999) / 1000)
      .put("refresh_token", refreshToken)
      .put("scope", SCOPE)
      .put("token_type", "bearer")
      .put("enabled_features", new JsonArray());
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
