-- Delivery statistics (api/delivery-stats/store.ts) read the attempts of a recent window. Without an index on the
-- attempt time that is a scan of every attempt ever kept (bench/delivery-stats.ts: 2.5 M attempts, see
-- bench/README.md). Attempts are only ever inserted, at the current time, so this index grows at its right edge
-- and costs each attempt one more index entry, never a rewrite.
-- (Plain CREATE INDEX: it locks writes to delivery_attempts while it builds, once, at upgrade.)
CREATE INDEX "delivery_attempts_attempted_at_idx" ON "delivery_attempts"("attempted_at");
