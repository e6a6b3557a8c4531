import type { Pool } from 'pg';
import { ID_PREFIXES, ksuid, newId } from '../../api/ids';
import type { DeliveryTestService } from '../../test/delivery/harness';

/**
 * Integrations of the kinds an operator has (written through the API), and an hour of delivery history for one of
 * them written straight into the tables (the worker would take an hour to make it): the dashboard's views and
 * charts then show what they are for. Nothing here is sent anywhere: the other destinations are never attempted.
 */
export async function seedIntegrations(svc: DeliveryTestService): Promise<Record<string, string>> {
  const make = async (name: string, url: string, fields: Record<string, unknown> = {}) => {
    const res = await svc.api('POST', '/v1/webhook-integrations', { name, url, ...fields });
    if (res.status !== 201) throw new Error(`create ${name}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.id as string;
  };
  // Documentation addresses (RFC 2606): no event matches them (both toggles off, or filters nothing emits here).
  const ids = {
    siem: await make('Security data lake', 'https://siem.example.com/ingest/commonfate', {
      headers: [{ key: 'Authorization', value: 'Bearer not-a-real-token' }],
    }),
    slack: await make('Slack approvals relay', 'https://hooks.example.net/services/T000/B000/relay', { filter_for_actions: ['grant.approved'] }),
    legacy: await make('Legacy ticketing bridge', 'https://tickets.example.org/api/v1/webhooks/cf'),
  };
  await svc.service.db.pool.query(
    `UPDATE webhook_integrations SET status = 'DISABLED', last_error = 'HTTP 410 Gone: the destination asked to stop deliveries' WHERE id = $1`,
    [ids.legacy]
  );
  return ids;
}

/** An hour of mostly successful attempts, with a burst of failures twenty minutes ago, for `integrationId`. */
export async function seedHistory(pool: Pool, integrationId: string): Promise<void> {
  const deliveries: string[][] = [];
  const attempts: Array<Array<string | number | null>> = [];
  let seed = 7;
  const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  for (let minute = 59; minute >= 1; minute--) {
    const perMinute = 3 + Math.round(random() * 5);
    for (let n = 0; n < perMinute; n++) {
      const ago = minute * 60 - Math.round(random() * 50);
      // Ids carry their creation time (KSUID): older deliveries sort below the newer ones, as they would.
      const id = `${ID_PREFIXES.delivery}_${ksuid(new Date(Date.now() - ago * 1000))}`;
      const outage = minute >= 18 && minute <= 22;
      const code = outage ? (random() < 0.5 ? 503 : null) : random() < 0.03 ? 500 : 200;
      deliveries.push([
        id,
        integrationId,
        newId('event'),
        code !== null && code < 300 ? 'SUCCEEDED' : 'FAILED',
        String(ago),
        code === null ? '' : String(code),
      ]);
      const ms = code === null ? 5000 : Math.round(40 + random() * 120 + (random() < 0.05 ? 600 : 0));
      attempts.push([
        newId('attempt'),
        id,
        ago,
        code,
        ms,
        code === 200 ? '{"ok":true}' : code ? 'Service Unavailable' : null,
        code === null ? 'timed out after 5000 ms' : null,
      ]);
    }
  }
  await pool.query(
    `INSERT INTO deliveries (id, integration_id, event_kind, event_id, status, attempts, last_status_code, created_at, updated_at, delivered_at)
     SELECT d.id, d.iid, 'AUDIT', d.eid, d.status::"DeliveryStatus", 1, nullif(d.code, '')::int, now() - d.ago::int * interval '1 second',
            now() - d.ago::int * interval '1 second', CASE WHEN d.status = 'SUCCEEDED' THEN now() - d.ago::int * interval '1 second' END
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS d(id, iid, eid, status, ago, code)`,
    [0, 1, 2, 3, 4, 5].map((c) => deliveries.map((d) => d[c]))
  );
  await pool.query(
    `INSERT INTO delivery_attempts (id, delivery_id, attempted_at, status_code, duration_ms, response_excerpt, error)
     SELECT a.id, a.did, now() - a.ago * interval '1 second', a.code, a.ms, a.excerpt, a.error
     FROM unnest($1::text[], $2::text[], $3::int[], $4::int[], $5::int[], $6::text[], $7::text[]) AS a(id, did, ago, code, ms, excerpt, error)`,
    [0, 1, 2, 3, 4, 5, 6].map((c) => attempts.map((a) => a[c]))
  );
}
