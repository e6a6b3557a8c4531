import type { Pool } from 'pg';
import type { StoredHeader } from '../webhook-integrations/secrets';
import type { SealedTarget } from '../webhook-integrations/target-cache';
import type { CircuitSnapshot, CircuitState } from './circuit';
import type { Decision } from './retry-policy';
import type { DeliveryTarget } from './request';

/**
 * The delivery queue's SQL (raw pg: this is the hot path). Deliveries are claimed in batches with
 * FOR UPDATE SKIP LOCKED and leased: a claimed row stays PENDING with `lease_expires_at` set, so if its worker
 * dies the row becomes claimable again once the lease runs out. Results are written back in batches.
 */

/**
 * Whether an integration's deliveries may be claimed at all: the one place that says so. Its circuit then
 * decides how many (the quota in claimDeliveries), and the worker's scheduler when each is attempted.
 */
const CLAIMABLE = `w.status NOT IN ('DISABLED', 'PAUSED')`;

/** A delivery row that is due and not held by a live lease. */
const DUE = `d.status = 'PENDING' AND d.next_attempt_at <= now() AND (d.lease_expires_at IS NULL OR d.lease_expires_at <= now())`;

export interface ClaimedDelivery {
  id: string;
  eventId: string;
  /** Attempts made before this one. */
  attempts: number;
  /** The event exactly as stored; null if it vanished (never expected). */
  body: string | null;
}

/** What one claim brought for one integration: everything its deliveries need, in one place. */
export interface ClaimedIntegration {
  id: string;
  /** The integration's version (its ETag) when claimed: what the target below belongs to. */
  version: number;
  target: DeliveryTarget;
  /** The circuit stored on the integration (a worker that does not know it yet starts from it). */
  circuit: CircuitSnapshot;
  /** Oldest due first. */
  deliveries: ClaimedDelivery[];
}

/**
 * An integration as the claim reads it: its target as stored, header values and signing secrets sealed. The
 * worker opens it (webhook-integrations/target-cache.ts) before anything is sent.
 */
export type SealedClaim = Omit<ClaimedIntegration, 'target'> & { sealed: SealedTarget };

export interface ClaimRequest {
  workerId: string;
  /** Rows to claim at most. */
  limit: number;
  /** Rows per integration this worker has no quota for (its stored circuit may lower it). */
  newcomer: number;
  /** Integrations this worker knows, and how many more rows each may take (0: none). */
  known: Map<string, number>;
  leaseMs: number;
}

interface ClaimRow {
  id: string;
  integration_id: string;
  event_id: string;
  attempts: number;
  body: string | null;
  /** The integration's columns, on the first row of each integration only. */
  version: number | null;
  url: string;
  headers: StoredHeader[];
  signing_secret: string;
  previous_secret: string | null;
  circuit_state: CircuitState;
  circuit_max_in_flight: number | null;
  circuit_failures: number;
  circuit_changed_at: Date | null;
  circuit_next_probe_at: Date | null;
}

/**
 * Claims due deliveries fairly across integrations. Each integration's quota is what the worker says it may
 * take (or, for one it does not know, `newcomer` as its stored circuit allows: an OPEN circuit one probe once
 * its probe time has come). Each integration's oldest due rows are read up to twice an equal share of the batch
 * (so a claim reads at most two batches, or one row per integration when there are more integrations than
 * rows), and the batch is filled in turns — every integration's oldest due row before anyone's second — from a
 * random integration on: one with fewer due rows drops out of the later turns and the others share what it
 * leaves (water-filling). Only the chosen rows are locked. So a backlog of old rows at some destinations never
 * crowds out another destination's new ones. Measured with 1,000 integrations and 1,000,000 pending deliveries
 * in bench/README.md ("Delivery: claim at scale").
 */
export async function claimDeliveries(pool: Pool, r: ClaimRequest): Promise<SealedClaim[]> {
  const { rows } = await pool.query<ClaimRow>(claimStatement(r));
  const out: SealedClaim[] = [];
  for (const row of rows) {
    if (row.version !== null) out.push(claimedIntegration(row));
    out[out.length - 1].deliveries.push({ id: row.id, eventId: row.event_id, attempts: row.attempts, body: row.body });
  }
  return out;
}

/** The claim's statement and parameters (bench/delivery-claim.ts explains it at scale). */
export function claimStatement(r: ClaimRequest): { text: string; values: unknown[] } {
  const knownIds = [...r.known.keys()];
  return {
    text: `WITH quota AS MATERIALIZED (
       SELECT w.id AS iid,
              CASE WHEN k.free IS NOT NULL THEN k.free
                   WHEN w.circuit_state = 'OPEN' THEN (coalesce(w.circuit_next_probe_at, now()) <= now())::int
                   WHEN w.circuit_state = 'HALF_OPEN' THEN least($2::int, w.circuit_max_in_flight)
                   ELSE $2::int END AS free
       FROM webhook_integrations w LEFT JOIN unnest($3::text[], $4::int[]) AS k(iid, free) ON k.iid = w.id
       WHERE ${CLAIMABLE}
     ), look AS (
       -- How many due rows to read per integration: twice an equal share of the batch, so what integrations with
       -- fewer due rows leave can go to the others; one each when there are more integrations than rows.
       SELECT CASE WHEN count(*) > $1 THEN 1 ELSE 2 * ceil($1::float8 / greatest(1, count(*)))::int END AS rows
       FROM quota WHERE free > 0
     ), cand AS MATERIALIZED (
       -- Each integration's oldest due rows, up to that many and its quota; read once, not locked yet.
       SELECT q.iid, x.id, row_number() OVER (PARTITION BY q.iid ORDER BY x.next_attempt_at) AS turn
       FROM quota q CROSS JOIN look CROSS JOIN LATERAL (
         SELECT d.id, d.next_attempt_at FROM deliveries d
         WHERE d.integration_id = q.iid AND ${DUE}
         ORDER BY d.next_attempt_at
         LIMIT least(q.free, look.rows)
       ) x
       WHERE q.free > 0
     ), chosen AS (
       -- In turns — every integration's oldest row, then every second row… — from a random integration on.
       -- Integrations with fewer due rows drop out of later turns, so the others share what they leave
       -- (water-filling), within what was read.
       SELECT c.id FROM cand c ORDER BY c.turn, md5(c.iid || $7) LIMIT $1
     ), locked AS (
       -- Locked now, by primary key; a row another worker claimed meanwhile is skipped (or fails the re-check).
       SELECT d.id FROM deliveries d WHERE d.id = ANY (ARRAY(SELECT id FROM chosen)) AND ${DUE}
       FOR UPDATE SKIP LOCKED
     ), claimed AS (
       -- By id through the primary key (a join against the CTE plans as a scan of the whole table).
       UPDATE deliveries d SET lease_expires_at = now() + $5::int * interval '1 millisecond', leased_by = $6
       WHERE d.id = ANY (ARRAY(SELECT id FROM locked))
       RETURNING d.id, d.integration_id, d.event_kind, d.event_id, d.attempts, d.next_attempt_at
     ), ordered AS (
       SELECT c.*, row_number() OVER (PARTITION BY c.integration_id ORDER BY c.next_attempt_at) AS nth FROM claimed c
     )
     -- The payload by a lookup per row (a join plans as a hash over the whole events table); the integration's
     -- columns once per integration.
     SELECT o.id, o.integration_id, o.event_id, o.attempts,
            CASE o.event_kind
              WHEN 'AUDIT' THEN (SELECT a.payload::text FROM audit_events a WHERE a.id = o.event_id)
              ELSE (SELECT e.payload::text FROM authorization_evaluations e WHERE e.id = o.event_id)
            END AS body,
            i.*
     FROM ordered o
     LEFT JOIN LATERAL (
       SELECT w.version, w.url, w.headers, w.signing_secret,
              CASE WHEN w.previous_secret_expires_at > now() THEN w.previous_signing_secret END AS previous_secret,
              w.circuit_state, w.circuit_max_in_flight, w.circuit_failures, w.circuit_changed_at, w.circuit_next_probe_at
       FROM webhook_integrations w WHERE w.id = o.integration_id AND o.nth = 1
     ) i ON true
     ORDER BY o.integration_id, o.nth`,
    values: [r.limit, r.newcomer, knownIds, knownIds.map((id) => r.known.get(id)!), r.leaseMs, r.workerId, String(Math.random())],
  };
}

function claimedIntegration(row: ClaimRow): SealedClaim {
  return {
    id: row.integration_id,
    version: row.version!,
    sealed: { url: row.url, headers: row.headers, signingSecret: row.signing_secret, previousSecret: row.previous_secret },
    circuit: {
      state: row.circuit_state,
      maxInFlight: row.circuit_max_in_flight,
      consecutiveFailures: row.circuit_failures,
      changedAt: row.circuit_changed_at?.getTime() ?? null,
      nextProbeAt: row.circuit_next_probe_at?.getTime() ?? null,
    },
    deliveries: [],
  };
}

/** What one attempt changed: the delivery's new state and, when it matters, the integration's health. */
export interface Completion {
  deliveryId: string;
  integrationId: string;
  status: Decision['status'];
  /** Seconds until the next attempt (status PENDING). */
  retryInSeconds: number | null;
  attemptId: string;
  attemptedAt: Date;
  statusCode: number | null;
  durationMs: number;
  responseExcerpt: string | null;
  error: string | null;
  health: Decision['health'];
  healthError: string | null;
}

/** A circuit to store on its integration, unless the integration changed (another version) meanwhile. */
export interface CircuitRecord {
  integrationId: string;
  version: number;
  circuit: CircuitSnapshot;
}

/**
 * Writes a batch of attempt results in one statement: the attempt rows, the deliveries' new state (only where
 * this worker still holds the lease — a row taken over after lease expiry belongs to its new claimer), and per
 * integration its health transition and its circuit, if either changed.
 */
export async function completeDeliveries(pool: Pool, workerId: string, batch: Completion[], circuits: CircuitRecord[] = []): Promise<void> {
  const col = <K extends keyof Completion>(k: K) => batch.map((c) => c[k]);
  const at = (ms: number | null) => (ms === null ? null : new Date(ms));
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
     ), c AS (
       SELECT * FROM unnest($14::text[], $15::int[], $16::text[], $17::int[], $18::int[], $19::timestamptz[], $20::timestamptz[])
         AS c(iid, version, state, max_in_flight, failures, changed_at, next_probe_at)
     ), changes AS (
       SELECT coalesce(h.iid, c.iid) AS iid, h.health, h.health_error, c.version, c.state, c.max_in_flight, c.failures, c.changed_at, c.next_probe_at
       FROM h FULL JOIN c ON c.iid = h.iid
     )
     UPDATE webhook_integrations w SET
       status = CASE WHEN NOT x.heals THEN w.status
                     ELSE (CASE x.health WHEN 'ok' THEN 'HEALTHY' WHEN 'exhausted' THEN 'UNHEALTHY' ELSE 'DISABLED' END)::"IntegrationStatus" END,
       last_error = CASE WHEN NOT x.heals THEN w.last_error WHEN x.health = 'ok' THEN NULL ELSE x.health_error END,
       circuit_state = CASE WHEN x.keeps THEN x.state::"CircuitState" ELSE w.circuit_state END,
       circuit_max_in_flight = CASE WHEN x.keeps THEN x.max_in_flight ELSE w.circuit_max_in_flight END,
       circuit_failures = CASE WHEN x.keeps THEN x.failures ELSE w.circuit_failures END,
       circuit_changed_at = CASE WHEN x.keeps THEN x.changed_at ELSE w.circuit_changed_at END,
       circuit_next_probe_at = CASE WHEN x.keeps THEN x.next_probe_at ELSE w.circuit_next_probe_at END
     FROM (
       SELECT ch.*, ch.state IS NOT NULL AND ch.version = w2.version AS keeps,
              -- An attempt that finishes after its integration was paused leaves the operator's PAUSED in place
              -- (its circuit is still kept: it describes the destination, which resume goes back to).
              w2.status <> 'PAUSED' AND coalesce((ch.health = 'ok' AND w2.status = 'UNHEALTHY') OR (ch.health = 'exhausted' AND w2.status <> 'DISABLED') OR ch.health = 'gone', false) AS heals
       FROM changes ch JOIN webhook_integrations w2 ON w2.id = ch.iid
     ) x
     WHERE w.id = x.iid AND (x.heals OR x.keeps)`,
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
      circuits.map((c) => c.integrationId),
      circuits.map((c) => c.version),
      circuits.map((c) => c.circuit.state),
      circuits.map((c) => c.circuit.maxInFlight),
      circuits.map((c) => c.circuit.consecutiveFailures),
      circuits.map((c) => at(c.circuit.changedAt)),
      circuits.map((c) => at(c.circuit.nextProbeAt)),
    ],
  );
}

/**
 * Gives claimed deliveries back without an attempt (prefetched rows whose lease would not outlast one, rows of a
 * destination whose circuit opened, rows still buffered at shutdown): claimable again at once, by any worker,
 * instead of after their lease, and still in their due order (next_attempt_at is untouched).
 */
export async function releaseDeliveries(pool: Pool, workerId: string, ids: string[]): Promise<void> {
  await pool.query(
    `UPDATE deliveries SET lease_expires_at = NULL, leased_by = NULL
     WHERE id = ANY ($1::text[]) AND leased_by = $2 AND status = 'PENDING'`,
    [ids, workerId],
  );
}

/**
 * Milliseconds until something claimable falls due: a scheduled retry of a claimable integration, or the probe
 * of an open circuit. Undefined when nothing is waiting. Per integration through the queue index (one probe
 * each), never a scan of every pending row.
 */
export async function msUntilNextDue(pool: Pool): Promise<number | undefined> {
  const { rows } = await pool.query<{ ms: number | null }>(NEXT_DUE_SQL);
  return rows[0].ms ?? undefined;
}

/** msUntilNextDue's statement. An open circuit's integration is next claimable at its probe time. */
export const NEXT_DUE_SQL = `SELECT extract(epoch FROM min(CASE WHEN w.circuit_state = 'OPEN' AND w.circuit_next_probe_at > now() THEN w.circuit_next_probe_at
                                        ELSE x.next_attempt_at END) - now())::float8 * 1000 AS ms
     FROM webhook_integrations w
     LEFT JOIN LATERAL (
       SELECT d.next_attempt_at FROM deliveries d
       WHERE d.integration_id = w.id AND d.status = 'PENDING' AND d.next_attempt_at > now()
       ORDER BY d.next_attempt_at LIMIT 1
     ) x ON true
     WHERE ${CLAIMABLE}`;
