-- Market data schema for the tradekit pipeline (receiver -> distributor -> analyzer; backfill; janitor).
-- Prices and amounts are NUMERIC: stored exactly as the exchange sent them, never via float.

CREATE TABLE instruments (
  exchange        TEXT        NOT NULL,
  instrument      TEXT        NOT NULL,
  kind            TEXT,
  base_currency   TEXT,
  quote_currency  TEXT,
  tick_size       NUMERIC,
  is_active       BOOLEAN     NOT NULL DEFAULT TRUE,
  updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (exchange, instrument)
);

CREATE TABLE trades (
  exchange    TEXT        NOT NULL,
  instrument  TEXT        NOT NULL,
  trade_id    TEXT        NOT NULL,
  trade_seq   BIGINT      NOT NULL,
  price       NUMERIC     NOT NULL CHECK (price > 0),
  amount      NUMERIC     NOT NULL CHECK (amount > 0),
  direction   TEXT        NOT NULL CHECK (direction IN ('buy', 'sell')),
  ts          TIMESTAMPTZ NOT NULL,
  received_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (exchange, instrument, trade_id)
);
-- The analyzer recomputes bars per (instrument, time range); the janitor deletes by age.
CREATE INDEX trades_instrument_ts ON trades (exchange, instrument, ts);
CREATE INDEX trades_ts ON trades (ts);

CREATE TABLE ohlc (
  exchange     TEXT        NOT NULL,
  instrument   TEXT        NOT NULL,
  resolution   TEXT        NOT NULL,
  bucket_start TIMESTAMPTZ NOT NULL,
  open         NUMERIC     NOT NULL,
  high         NUMERIC     NOT NULL,
  low          NUMERIC     NOT NULL,
  close        NUMERIC     NOT NULL,
  volume       NUMERIC     NOT NULL,
  trade_count  BIGINT      NOT NULL DEFAULT 0,
  source       TEXT        NOT NULL CHECK (source IN ('live', 'backfill')),
  updated_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (exchange, instrument, resolution, bucket_start)
);
CREATE INDEX ohlc_bucket_start ON ohlc (bucket_start);

CREATE TABLE latest_tickers (
  exchange    TEXT        NOT NULL,
  instrument  TEXT        NOT NULL,
  ts          TIMESTAMPTZ NOT NULL,
  last_price  NUMERIC,
  mark_price  NUMERIC,
  best_bid    NUMERIC,
  best_ask    NUMERIC,
  PRIMARY KEY (exchange, instrument)
);
