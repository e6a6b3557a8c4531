import type { Pool } from 'pg';
import type { Destination } from './request';

/**
 * The delivery queue's SQL (raw pg: this is the hot path). Deliveries are claimed in batches with
 * FOR UPDATE SKIP LOCKED and leased: a claimed row stays PENDING with `lease_expires_at` set, so if its worker
 * dies the row becomes claimable again once the lease runs out. Results are written back in batches.
 */

export interface ClaimedDelivery extends Destination {
  id: string;
  integrationId: string;
  eventId: string;
  /** Attempts made before this one. */
  attempts: number;
  /** The event exactly as stored; null if it vanished (never expected). */
  body: string | null;
}

export interface ClaimRequest {
  workerId: string;
  /** Rows to claim at most. */
  limit: number;
  /** Claims per integration when it has nothing in flight here. */
  perDestination: number;
  /** Integrations with deliveries in flight here, and how many more each may take. */
  busy: Map<string, number>;
  leaseMs: number;
}

export async function claimDeliveries(pool: Pool, r: ClaimRequest): Promise<ClaimedDelivery[]> {
  const busyIds = [...r.busy.keys()];
  const { rows } = await pool.query<{
    id: string;
    integration_id: string;
    event_id: string;
    attempts: number;
    url: string;
    headers: Array<{ key: string; value: string }>;
    signing_secret: string;
    previous_secret: string | null;
    body: string | null;
  }>(
    // Per integration at most its free slots, so a slow destination never holds more claimed rows than it can
    // run at once (its backlog stays in the table, claimable by other workers, not stuck behind a lease).
    `WITH cand AS (
       SELECT w.id AS iid, coalesce(b.free, $2::int) AS free
       FROM webhook_integrations w LEFT JOIN unnest($3::text[], $4::int[]) AS b(iid, free) ON b.iid = w.id
       WHERE w.status NOT IN ('DISABLED', 'PAUSED')
     ), due AS (
       SELECT x.id FROM cand CROSS JOIN LATERAL (
         SELECT d.id, d.next_attempt_at FROM deliveries d
         WHERE d.integration_id = cand.iid AND d.status = 'PENDING' AND d.next_attempt_at <= now()
           AND (d.lease_expires_at IS NULL OR d.lease_expires_at <= now())
         ORDER BY d.next_attempt_at
         LIMIT cand.free
         FOR UPDATE SKIP LOCKED
       ) x
       WHERE cand.free > 0
       ORDER BY x.next_attempt_at
       LIMIT $1
     ), claimed AS (
       -- By id through the primary key (a join against the CTE plans as a scan of the whole table).
       UPDATE deliveries d SET lease_expires_at = now() + $5::int * interval '1 millisecond', leased_by = $6
       WHERE d.id = ANY (ARRAY(SELECT id FROM due))
       RETURNING d.id, d.integration_id, d.event_kind, d.event_id, d.attempts
     )
     -- The payload by a lookup per row (a join plans as a hash over the whole events table).
     SELECT c.id, c.integration_id, c.event_id, c.attempts, w.url, w.headers, w.signing_secret,
            CASE WHEN w.previous_secret_expires_at > now() THEN w.previous_signing_secret END AS previous_secret,
            CASE c.event_kind
              WHEN 'AUDIT' THEN (SELECT a.payload::text FROM audit_events a WHERE a.id = c.event_id)
              ELSE (SELECT e.payload::text FROM authorization_evaluations e WHERE e.id = c.event_id)
            END AS body
     FROM claimed c
     JOIN webhook_integrations w ON w.id = c.integration_id`,
    [r.limit, r.perDestination, busyIds, busyIds.map((id) => r.busy.get(id)!), r.leaseMs, r.workerId],
  );
  return rows.map((row) => ({
    id: row.id,
    integrationId: row.integration_id,
    eventId: row.event_id,
    attempts: row.attempts,
    url: row.url,
    headers: row.headers,
    signingSecret: row.signing_secret,
    previousSecret: row.previous_secret,
    body: row.body,
  }));
}

/** What one attempt changed: the delivery's new state and, when it matters, the integration's health. */
export interface Completion {
  deliveryId: string;
  integrationId: string;
  status: 'PENDING' | 'SUCCEEDED' | 'FAILED';
  /** Seconds until the next attempt (status PENDING). */
  retryInSeconds: number | null;
  attemptId: string;
  attemptedAt: Date;
  statusCode: number | null;
  durationMs: number;
  responseExcerpt: string | null;
  error: string | null;
  /**
   * ok: a success (UNHEALTHY becomes HEALTHY); exhausted: retries ran out (UNHEALTHY with `healthError`);
   * gone: 410 (DISABLED); null: no change.
   */
  health: 'ok' | 'exhausted' | 'gone' | null;
  healthError: string | null;
}

/**
 * Writes a batch of attempt results in one statement: the attempt rows, the deliveries' new state (only where
 * this worker still holds the lease — a row taken over after lease expiry belongs to its new claimer), and
 * integration health transitions.
 */
export async function completeDeliveries(pool: Pool, workerId: string, batch: Completion[]): Promise<void> {
  const col = <K extends keyof Completion>(k: K) => batch.map((c) => c[k]);
  await pool.query(
    `WITH r AS (
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[], $5::text[], $6::timestamptz[],
                            $7::int[], $8::int[], $9::text[], $10::text[], $11::text[], $12::text[],
                            array_fill($13::text, ARRAY[cardinality($1::text[])]))
         AS r(id, iid, status, retry_in, att_id, attempted_at, code, duration, excerpt, error, health, health_error, worker)
     ), att AS (
       INSERT INTO delivery_attempts (id, delivery_id, attempted_at, status_code, duration_ms, response_excerpt, error)
       SELECT r.att_id, r.id, r.attempted_at, r.code, r.duration, r.excerpt, r.error
       FROM r JOIN deliveries d ON d.id = r.id
     ), upd AS (
       UPDATE deliveries d SET
         status = r.status::"DeliveryStatus",
         attempts = d.attempts + 1,
         next_attempt_at = CASE WHEN r.retry_in IS NULL THEN d.next_attempt_at
                                ELSE now() + r.retry_in * interval '1 second' END,
         lease_expires_at = NULL, leased_by = NULL,
         last_status_code = r.code, last_error = r.error, updated_at = now(),
         delivered_at = CASE WHEN r.status = 'SUCCEEDED' THEN now() ELSE d.delivered_at END
       -- Rows by primary key (id = ANY), the lease as a join clause: as a constant filter (leased_by = $13) the
       -- planner expects ~1 row and picks a nested loop over the batch, quadratic in its size.
       FROM r WHERE d.id = r.id AND d.id = ANY ($1::text[]) AND d.leased_by = r.worker
     ), h AS (
       SELECT DISTINCT ON (iid) iid, health, health_error FROM r WHERE health IS NOT NULL
       ORDER BY iid, (health = 'gone') DESC, attempted_at DESC
     )
     UPDATE webhook_integrations w SET
       status = CASE h.health WHEN 'ok' THEN 'HEALTHY' WHEN 'exhausted' THEN 'UNHEALTHY' ELSE 'DISABLED' END::"IntegrationStatus",
       last_error = CASE WHEN h.health = 'ok' THEN NULL ELSE h.health_error END
     FROM h
     WHERE w.id = h.iid
       -- An attempt that finishes after its integration was paused leaves the operator's PAUSED in place.
       AND w.status <> 'PAUSED'
       AND ((h.health = 'ok' AND w.status = 'UNHEALTHY')
         OR (h.health = 'exhausted' AND w.status <> 'DISABLED')
         OR h.health = 'gone')`,
    [
      col('deliveryId'),
      col('integrationId'),
      col('status'),
      col('retryInSeconds'),
      col('attemptId'),
      col('attemptedAt'),
      col('statusCode'),
      col('durationMs'),
      col('responseExcerpt'),
      col('error'),
      col('health'),
      col('healthError'),
      workerId,
    ],
  );
}

/**
 * Gives claimed deliveries back without an attempt (prefetched rows whose lease would not outlast one, rows still
 * buffered at shutdown): claimable again at once, by any worker, instead of after their lease.
 */
export async function releaseDeliveries(pool: Pool, workerId: string, ids: string[]): Promise<void> {
  await pool.query(
    `UPDATE deliveries SET lease_expires_at = NULL, leased_by = NULL
     WHERE id = ANY ($1::text[]) AND leased_by = $2 AND status = 'PENDING'`,
    [ids, workerId],
  );
}

/** Milliseconds until the next retry falls due (capped by the caller), or undefined when none is waiting. */
export async function msUntilNextDue(pool: Pool): Promise<number | undefined> {
  const { rows } = await pool.query<{ ms: number | null }>(
    `SELECT extract(epoch FROM min(next_attempt_at) - now())::float8 * 1000 AS ms
     FROM deliveries WHERE status = 'PENDING' AND next_attempt_at > now()`,
  );
  return rows[0].ms ?? undefined;
}
