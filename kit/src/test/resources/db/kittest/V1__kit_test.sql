-- Test migration for PgResourceTest (location classpath:db/kittest).
CREATE TABLE kit_test (
  id   BIGINT PRIMARY KEY,
  note TEXT NOT NULL
);
INSERT INTO kit_test (id, note) VALUES (1, 'migrated');
