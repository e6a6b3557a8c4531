import type { Pool, PoolClient } from 'pg';
import { DELIVERIES_CHANNEL, matchingIntegrationsSql, deliveryIdPrefix, deliveryIdSql } from '../delivery/fanout';
import type { AuditEvent } from './event';

type Queryable = Pool | PoolClient;

/**
 * Stores audit events and, in the same statement, one delivery per matching webhook integration: audit events
 * enabled, not DISABLED, and either no `filter_for_actions` or one containing the event's action. Run it inside
 * the transaction of the change that caused the events, so both commit or neither does. Wakes the delivery
 * workers (NOTIFY is sent at commit). Returns the number of deliveries queued.
 */
export async function emitAuditEvents(db: Queryable, events: AuditEvent[], grantId: string | null): Promise<number> {
  if (events.length === 0) return 0;
  const { rows } = await db.query<{ n: number }>(
    `WITH ev AS (
       INSERT INTO audit_events (id, action, grant_id, payload, occurred_at)
       SELECT e.id, e.action, $3, e.payload, e.occurred_at
       FROM unnest($1::text[], $2::text[], $4::json[], $5::timestamptz[]) AS e(id, action, payload, occurred_at)
       RETURNING id, action
     ), fan AS (
       INSERT INTO deliveries (id, integration_id, event_kind, event_id)
       SELECT ${deliveryIdSql('$6::text', 'row_number() OVER ()')}, w.id, 'AUDIT', ev.id
       FROM ev JOIN (${matchingIntegrationsSql('send_audit_log_events', 'id, filter_for_actions')}) w
         ON coalesce(cardinality(w.filter_for_actions), 0) = 0 OR ev.action = ANY (w.filter_for_actions)
       RETURNING 1
     )
     SELECT n, CASE WHEN n > 0 THEN pg_notify('${DELIVERIES_CHANNEL}', '') END
     FROM (SELECT count(*)::int AS n FROM fan) c`,
    [
      events.map((e) => e.id),
      events.map((e) => e.action),
      grantId,
      events.map((e) => JSON.stringify(e)),
      events.map((e) => e.occurred_at),
      deliveryIdPrefix(),
    ],
  );
  return rows[0].n;
}
