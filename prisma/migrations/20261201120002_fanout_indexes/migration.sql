-- Every stored event looks up the integrations it fans out to (api/delivery/fanout.ts: the toggle set and not
-- DISABLED). Without an index that was a scan of every integration per statement: cheap while batches of
-- evaluations shared one, but POST, PUT and PATCH now store their evaluation in their own transaction, so it
-- ran once per call and grew with the table (a POST benchmark creating 10,000s of integrations fell to 0.2x).
-- Partial indexes with the fan-out's own predicate hold only the integrations that receive events.
CREATE INDEX "webhook_integrations_authorization_fanout_idx" ON "webhook_integrations"("send_authorization_events", "status")
  WHERE "send_authorization_events" AND "status" <> 'DISABLED';
CREATE INDEX "webhook_integrations_audit_fanout_idx" ON "webhook_integrations"("send_audit_log_events", "status")
  WHERE "send_audit_log_events" AND "status" <> 'DISABLED';
