-- KPI buckets in shards: the journal readers of different partitions no longer wait for each other.
--
-- Every reader adds its page's KPI increments to the daily rows of a carrier, a customer and the grid in the
-- transaction that moves its checkpoint, and holds those rows' locks until it commits. With one row per
-- (scope, subject, day, metric), the readers of all partitions queued for the same few rows (a busy carrier's day,
-- the grid's day): measured with pg_stat_statements under load, the bucket upsert took three quarters of the
-- database's statement time at a 21 ms mean, nearly all of it waiting for locks. Each reader now adds to a row
-- of its own, keyed by its partition; a read sums a day's shards, so no reader waits for another. Writes outside
-- a reader (and every row from before this migration) use shard -1.
ALTER TABLE kpi_bucket ADD COLUMN shard smallint NOT NULL DEFAULT -1;
ALTER TABLE kpi_bucket DROP CONSTRAINT kpi_bucket_pkey;
ALTER TABLE kpi_bucket ADD PRIMARY KEY (scope, subject, day, metric, shard);
