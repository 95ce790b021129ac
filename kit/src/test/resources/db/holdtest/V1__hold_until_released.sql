-- Test migration for StopInterleavingsTest (location classpath:db/holdtest): it waits on advisory
-- lock 4242, which the test holds from its own connection, so a stop lands while Flyway runs.
SELECT pg_advisory_lock(4242);
SELECT pg_advisory_unlock(4242);
-- Real migrations take a while: a pool or dev service torn down under a running Flyway then shows
-- as a resource.closed stamped before finished_at.
SELECT pg_sleep(0.3);
CREATE TABLE hold_done (finished_at TIMESTAMPTZ NOT NULL);
INSERT INTO hold_done (finished_at) VALUES (clock_timestamp());
