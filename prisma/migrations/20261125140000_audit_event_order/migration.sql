-- The audit log lists events in the order they occurred (KSUID ids only order to the second).
CREATE INDEX "audit_events_occurred_at_id_idx" ON "audit_events"("occurred_at", "id");
