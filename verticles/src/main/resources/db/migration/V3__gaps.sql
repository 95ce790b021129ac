-- Gaps in an exchange's trade sequence (trade_seq is consecutive per instrument on Deribit): found
-- by the receiver (a jump after a stall, reconnect, dropped frame, shedding or a restart), filled by
-- the gapfill service from public/get_last_trades_by_instrument. One row per gap, keyed by its
-- first missing seq, so a gap reported twice (redelivery) is one row. A gap the exchange no longer
-- has stays as 'unfillable' with the reason in error: visible, never deleted by the pipeline.

CREATE TABLE gaps (
  exchange      TEXT COLLATE "C" NOT NULL,
  instrument    TEXT COLLATE "C" NOT NULL,
  from_seq      BIGINT      NOT NULL,
  to_seq        BIGINT      NOT NULL,
  reason        TEXT COLLATE "C" NOT NULL,
  detected_at   TIMESTAMPTZ NOT NULL,
  status        TEXT COLLATE "C" NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'filled', 'unfillable')),
  filled_at     TIMESTAMPTZ NULL,
  filled_trades INT         NULL,
  error         TEXT        NULL,
  PRIMARY KEY (exchange, instrument, from_seq),
  CHECK (to_seq >= from_seq)
);
-- Readiness and operators ask "which gaps are not filled?": a small partial index answers it
-- without scanning the filled history.
CREATE INDEX gaps_not_filled ON gaps (exchange, detected_at) WHERE status <> 'filled';
