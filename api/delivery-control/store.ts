import type { PoolClient } from 'pg';
import { DELIVERIES_CHANNEL } from '../delivery/fanout';
import { notFound, validationError } from '../errors';
import type { Queryable } from '../queryable';
import { holdRequeueLock } from '../retention/locks';

/**
 * An operator's control of one integration's deliveries: pause, resume, recover.
 *
 * PAUSED is a status like the health ones, and like them it is not part of the configuration: it changes no
 * version (ETag) and no `updated_at`, so a paused integration never conflicts with a configuration change, and
 * the Terraform provider, which does not manage status, plans no change for it. While PAUSED, events still
 * fan out to the integration (its deliveries queue as PENDING, which retention never removes), the delivery
 * claim skips it, and attempt results, a changed URL or a successful test event leave the status alone.
 */

/** Workers drop claimed deliveries of the integration named in the payload that have not started yet. */
export const PAUSED_CHANNEL = 'integration_paused';

/** Sets the integration PAUSED (again, if it was). 404 when it does not exist. */
export async function pauseIntegration(db: Queryable, id: string): Promise<void> {
  const { rowCount } = await db.query(
    `WITH paused AS (UPDATE webhook_integrations SET status = 'PAUSED' WHERE id = $1 RETURNING id)
     SELECT pg_notify('${PAUSED_CHANNEL}', id) FROM paused`,
    [id],
  );
  if (!rowCount) throw notFound(`Webhook integration ${id}`);
}

/**
 * Makes a PAUSED integration HEALTHY and wakes the workers, which send what queued meanwhile, oldest first,
 * within the destination's concurrency. An integration that is not paused is left as it is (a repeated resume
 * does nothing). 404 when it does not exist.
 */
export async function resumeIntegration(db: Queryable, id: string): Promise<void> {
  const { rows } = await db.query<{ found: boolean }>(
    `WITH resumed AS (
       UPDATE webhook_integrations SET status = 'HEALTHY', last_error = NULL WHERE id = $1 AND status = 'PAUSED' RETURNING id
     )
     SELECT EXISTS (SELECT 1 FROM webhook_integrations WHERE id = $1) AS found,
            (SELECT count(*) FROM (SELECT pg_notify('${DELIVERIES_CHANNEL}', '') FROM resumed) n) AS notified`,
    [id],
  );
  if (!rows[0].found) throw notFound(`Webhook integration ${id}`);
}

export interface RecoverWindow {
  since: Date;
  /** Exclusive. */
  until: Date;
}

/** Deliveries re-queued per statement (all in the caller's transaction). */
const RECOVER_BATCH = 5000;

/**
 * Re-queues the integration's FAILED deliveries created in [since, until): same delivery and `webhook-id`, a
 * fresh retry budget, due at once and in the order they were created (`next_attempt_at` is their creation
 * time, which the claim orders by). Deliveries whose event retention has removed are left FAILED. Returns how
 * many it queued; calling it again while they are pending queues nothing more (they are no longer FAILED).
 *
 * Runs in the caller's transaction, holding the re-queue lock (retention/locks.ts), so that an event it finds
 * stored stays stored until its re-queued delivery pins it.
 */
export async function recoverDeliveries(tx: PoolClient, integrationId: string, w: RecoverWindow): Promise<number> {
  if (w.until <= w.since) throw validationError([{ path: 'until', message: 'must be later than since' }]);
  await holdRequeueLock(tx);
  const { rowCount } = await tx.query('SELECT 1 FROM webhook_integrations WHERE id = $1', [integrationId]);
  if (!rowCount) throw notFound(`Webhook integration ${integrationId}`);
  let queued = 0;
  for (;;) {
    const { rowCount: n } = await tx.query(
      `UPDATE deliveries d SET status = 'PENDING', attempts = 0, next_attempt_at = d.created_at, lease_expires_at = NULL,
         leased_by = NULL, updated_at = now()
       WHERE d.id IN (
         SELECT f.id FROM deliveries f
         WHERE f.integration_id = $1 AND f.status = 'FAILED' AND f.created_at >= $2 AND f.created_at < $3
           AND CASE f.event_kind
                 WHEN 'AUDIT' THEN EXISTS (SELECT 1 FROM audit_events a WHERE a.id = f.event_id)
                 ELSE EXISTS (SELECT 1 FROM authorization_evaluations e WHERE e.id = f.event_id)
               END
         ORDER BY f.id LIMIT $4
         -- A row another recover (or the retention sweep) holds is that one's to handle.
         FOR UPDATE SKIP LOCKED
       )`,
      [integrationId, w.since, w.until, RECOVER_BATCH],
    );
    queued += n ?? 0;
    if ((n ?? 0) < RECOVER_BATCH) break;
  }
  if (queued > 0) await tx.query(`SELECT pg_notify('${DELIVERIES_CHANNEL}', '')`);
  return queued;
}
