-- Issue 19: at most one order per intent. After an ambiguous send (no reply, an ambiguous error
-- code) an order the exchange does not show yet is NOT sent again: its row becomes 'unknown'
-- (watched: adopted with the state it has whenever it appears) instead of being rejected.
ALTER TABLE orders DROP CONSTRAINT orders_state_check;
ALTER TABLE orders ADD CONSTRAINT orders_state_check CHECK (state IN
  ('pending_new', 'unknown', 'open', 'partially_filled', 'filled', 'cancelled', 'rejected', 'expired'));
DROP INDEX orders_live;
CREATE INDEX orders_live ON orders (exchange, instrument)
  WHERE state IN ('pending_new', 'unknown', 'open', 'partially_filled');
