-- The retention sweep deletes finished deliveries oldest first, 1,000 per statement (api/retention/deliveries.ts).
-- Without an index each batch would scan the whole table to find them, so a backlog of millions of rows would
-- cost millions of rows read per thousand deleted. Partial: the queue's PENDING rows, the ones the worker
-- updates, are not in it, and a delivery enters it once, when it finishes (an update that changes its status
-- and so is never a HOT update anyway).
CREATE INDEX "deliveries_updated_at_idx" ON "deliveries"("updated_at") WHERE "status" <> 'PENDING';
