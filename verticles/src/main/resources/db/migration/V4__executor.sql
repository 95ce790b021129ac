-- The executor's durable state (issue 14). Orders are keyed by (exchange, label): the label IS the
-- strategy's intent id, so a redelivered intent finds its row and resumes instead of inserting (and
-- sending) a second order. A row is written as 'pending_new' BEFORE anything is sent; after that it
-- changes only from the exchange's replies, notifications and queries, idempotently:
-- last_update_ts orders the updates, terminal states are final. Prices and amounts are NUMERIC (no
-- float rounding in what is stored).

CREATE TABLE orders (
  exchange        TEXT COLLATE "C" NOT NULL,
  label           TEXT COLLATE "C" NOT NULL CHECK (length(label) <= 64),
  order_id        TEXT COLLATE "C" NULL,
  instrument      TEXT COLLATE "C" NOT NULL,
  side            TEXT COLLATE "C" NOT NULL CHECK (side IN ('buy', 'sell')),
  order_type      TEXT COLLATE "C" NOT NULL,
  amount          NUMERIC     NOT NULL,
  price           NUMERIC     NULL,
  post_only       BOOLEAN     NOT NULL DEFAULT false,
  reduce_only     BOOLEAN     NOT NULL DEFAULT false,
  time_in_force   TEXT COLLATE "C" NOT NULL,
  state           TEXT COLLATE "C" NOT NULL CHECK (state IN
                    ('pending_new', 'open', 'partially_filled', 'filled', 'cancelled', 'rejected', 'expired')),
  filled_amount   NUMERIC     NOT NULL DEFAULT 0,
  average_price   NUMERIC     NULL,
  last_update_ts  BIGINT      NULL,
  reason          TEXT        NULL,
  created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (exchange, label)
);
CREATE UNIQUE INDEX orders_order_id ON orders (exchange, order_id) WHERE order_id IS NOT NULL;
-- Risk checks and reconciliation read the live orders only.
CREATE INDEX orders_live ON orders (exchange, instrument)
  WHERE state IN ('pending_new', 'open', 'partially_filled');

-- Own fills, stored once by trade id whatever delivers them (the order reply, user.trades
-- notifications, reconciliation's get_user_trades_by_instrument).
CREATE TABLE fills (
  exchange    TEXT COLLATE "C" NOT NULL,
  trade_id    TEXT COLLATE "C" NOT NULL,
  instrument  TEXT COLLATE "C" NOT NULL,
  trade_seq   BIGINT      NOT NULL,
  order_id    TEXT COLLATE "C" NULL,
  label       TEXT COLLATE "C" NULL,
  side        TEXT COLLATE "C" NOT NULL CHECK (side IN ('buy', 'sell')),
  price       NUMERIC     NOT NULL,
  amount      NUMERIC     NOT NULL,
  fee         NUMERIC     NULL,
  liquidity   TEXT COLLATE "C" NULL,
  ts          TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (exchange, trade_id)
);
CREATE INDEX fills_instrument_seq ON fills (exchange, instrument, trade_seq);

-- Per instrument: every own trade with trade_seq <= last_trade_seq has been fetched from the
-- exchange by reconciliation (notifications do not move it: a lost notification is found by the
-- next reconciliation, which asks from here).
CREATE TABLE fill_cursors (
  exchange        TEXT COLLATE "C" NOT NULL,
  instrument      TEXT COLLATE "C" NOT NULL,
  last_trade_seq  BIGINT NOT NULL,
  PRIMARY KEY (exchange, instrument)
);

-- Positions derived from fills: signed amount (buy +, sell -).
CREATE VIEW positions AS
  SELECT exchange, instrument,
         sum(CASE WHEN side = 'buy' THEN amount ELSE -amount END) AS size,
         count(*) AS fills
  FROM fills GROUP BY exchange, instrument;

-- One outcome per intent, written before it is published and the intent acknowledged: a
-- redelivered intent republishes this outcome instead of acting again. Intents too malformed to
-- have an id are keyed 'entry:<stream entry id>'.
CREATE TABLE intent_outcomes (
  exchange      TEXT COLLATE "C" NOT NULL,
  intent_id     TEXT COLLATE "C" NOT NULL,
  type          TEXT COLLATE "C" NOT NULL,
  status        TEXT COLLATE "C" NOT NULL,
  order_id      TEXT COLLATE "C" NULL,
  order_state   TEXT COLLATE "C" NULL,
  filled_amount NUMERIC     NULL,
  reason        TEXT        NULL,
  decided_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (exchange, intent_id)
);
