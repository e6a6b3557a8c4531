-- The delivery queue only ever looks for PENDING rows, yet every delivery stayed in both (status, …) indexes
-- for good and was written to them on each of its three writes (insert, claim, result). One partial index of the
-- PENDING rows serves the claim (per integration, oldest due first), the next-due timer and the queue-depth
-- metric; a delivery leaves it when it succeeds or fails.
-- fillfactor 70: the claim only sets the lease columns (not indexed), so with room on the page it is a HOT
-- update that touches no index at all.
-- (Plain CREATE INDEX: it locks writes to deliveries while it builds, once, at upgrade.)
DROP INDEX "deliveries_status_next_attempt_at_idx";
DROP INDEX "deliveries_integration_id_status_next_attempt_at_idx";
CREATE INDEX "deliveries_integration_id_next_attempt_at_idx" ON "deliveries"("integration_id", "next_attempt_at") WHERE "status" = 'PENDING';
ALTER TABLE "deliveries" SET (fillfactor = 70);
