import type { PoolClient } from 'pg';
import type { Queryable } from '../queryable';
import { conflict, notFound } from '../errors';
import { newId } from '../ids';
import { holdRequeueLock } from '../retention/locks';
import { newSigningSecret, type IntegrationSecrets, type StoredHeader } from '../webhook-integrations/secrets';
import { scrubSecrets } from '../webhook-integrations/target-cache';
import { DELIVERIES_CHANNEL } from './fanout';
import type { OutboundClient } from './outbound';
import { deliveryHeaders } from './request';
import type { AttemptView, DeliveryView, TestEvent } from './schema';
import { PREVIOUS_SECRET_GRACE_MS } from './signature';

/** Reading and controlling deliveries of one integration (the API side of the queue). */

interface DeliveryRow {
  id: string;
  integration_id: string;
  event_kind: 'AUDIT' | 'AUTHORIZATION';
  event_id: string;
  status: DeliveryView['status'];
  attempts: number;
  next_attempt_at: Date;
  lease_expires_at: Date | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: Date;
  updated_at: Date;
  delivered_at: Date | null;
}

function deliveryView(row: DeliveryRow): DeliveryView {
  return {
    id: row.id,
    integration_id: row.integration_id,
    event_type: row.event_kind === 'AUDIT' ? 'audit_log' : 'authorization',
    event_id: row.event_id,
    status: row.status,
    attempt_count: row.attempts,
    next_attempt_at: row.status === 'PENDING' ? row.next_attempt_at.toISOString() : null,
    last_status_code: row.last_status_code,
    last_error: row.last_error,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
    delivered_at: row.delivered_at?.toISOString() ?? null,
  };
}

function attemptView(row: {
  id: string;
  attempted_at: Date;
  status_code: number | null;
  duration_ms: number;
  response_excerpt: string | null;
  error: string | null;
}): AttemptView {
  return {
    id: row.id,
    attempted_at: row.attempted_at.toISOString(),
    status_code: row.status_code,
    duration_ms: row.duration_ms,
    response_excerpt: row.response_excerpt,
    error: row.error,
  };
}

async function requireIntegration(pool: Queryable, id: string): Promise<void> {
  const { rowCount } = await pool.query('SELECT 1 FROM webhook_integrations WHERE id = $1', [id]);
  if (!rowCount) throw notFound(`Webhook integration ${id}`);
}

/** Newest first (ids are KSUIDs); `before` is the last id of the previous page. */
export async function listDeliveries(
  pool: Queryable,
  integrationId: string,
  q: { status?: DeliveryView['status']; size: number; before?: string },
): Promise<{ rows: DeliveryView[]; more: boolean }> {
  await requireIntegration(pool, integrationId);
  const { rows } = await pool.query<DeliveryRow>(
    `SELECT * FROM deliveries WHERE integration_id = $1 AND ($2::text IS NULL OR status = $2::"DeliveryStatus")
       AND ($3::text IS NULL OR id < $3) ORDER BY id DESC LIMIT $4`,
    [integrationId, q.status ?? null, q.before ?? null, q.size + 1],
  );
  return { rows: rows.slice(0, q.size).map(deliveryView), more: rows.length > q.size };
}

export async function getDelivery(pool: Queryable, integrationId: string, id: string): Promise<DeliveryView & { attempts: AttemptView[] }> {
  const { rows } = await pool.query<DeliveryRow>('SELECT * FROM deliveries WHERE id = $1 AND integration_id = $2', [id, integrationId]);
  if (rows.length === 0) throw notFound(`Delivery ${id} of webhook integration ${integrationId}`);
  const { rows: attempts } = await pool.query(
    'SELECT id, attempted_at, status_code, duration_ms, response_excerpt, error FROM delivery_attempts WHERE delivery_id = $1 ORDER BY attempted_at, id',
    [id],
  );
  return { ...deliveryView(rows[0]), attempts: attempts.map(attemptView) };
}

/**
 * Queues a delivery for an attempt now, whatever its state (a delivered one is sent again, same `webhook-id`).
 * 409 while an attempt is in flight, or when retention has removed its event. The attempt budget starts over.
 * Runs in the caller's transaction, holding the re-queue lock so its event cannot be dropped meanwhile.
 */
export async function retryDelivery(tx: PoolClient, integrationId: string, id: string): Promise<DeliveryView> {
  await holdRequeueLock(tx);
  const { rows } = await tx.query<DeliveryRow>(
    'SELECT * FROM deliveries WHERE id = $1 AND integration_id = $2 FOR UPDATE',
    [id, integrationId],
  );
  if (rows.length === 0) throw notFound(`Delivery ${id} of webhook integration ${integrationId}`);
  if (rows[0].status === 'PENDING' && rows[0].lease_expires_at && rows[0].lease_expires_at > new Date()) {
    throw conflict(`Delivery ${id} has an attempt in flight; retry it once that attempt has finished.`);
  }
  if (!(await eventStored(tx, rows[0]))) {
    throw conflict(`The event of delivery ${id} (${rows[0].event_id}) is past retention and was removed; there is nothing to send again.`);
  }
  const { rows: updated } = await tx.query<DeliveryRow>(
    `UPDATE deliveries SET status = 'PENDING', attempts = 0, next_attempt_at = now(), lease_expires_at = NULL,
       leased_by = NULL, updated_at = now() WHERE id = $1 RETURNING *`,
    [id],
  );
  await tx.query(`SELECT pg_notify('${DELIVERIES_CHANNEL}', '')`);
  return deliveryView(updated[0]);
}

/** Whether a delivery's event is still stored (retention removes events whose deliveries are all finished). */
export async function eventStored(db: Queryable, d: { event_kind: 'AUDIT' | 'AUTHORIZATION'; event_id: string }): Promise<boolean> {
  const table = d.event_kind === 'AUDIT' ? 'audit_events' : 'authorization_evaluations';
  const { rowCount } = await db.query(`SELECT 1 FROM ${table} WHERE id = $1`, [d.event_id]);
  return (rowCount ?? 0) > 0;
}

/**
 * Sends a test event to the integration now (not queued, not retried) and returns the attempt. A success
 * makes an UNHEALTHY or DISABLED integration HEALTHY again, which resumes its queued deliveries (a PAUSED one stays paused).
 */
export async function sendTestEvent(pool: Queryable, outbound: OutboundClient, secrets: IntegrationSecrets, integrationId: string) {
  const { rows } = await pool.query<{
    url: string;
    headers: StoredHeader[];
    signing_secret: string;
    previous_secret: string | null;
  }>(
    `SELECT url, headers, signing_secret,
            CASE WHEN previous_secret_expires_at > now() THEN previous_signing_secret END AS previous_secret
     FROM webhook_integrations WHERE id = $1`,
    [integrationId],
  );
  if (rows.length === 0) throw notFound(`Webhook integration ${integrationId}`);
  const w = rows[0];
  // Decrypted before anything is sent: a secret that does not open fails the call, never a request without it.
  const destination = {
    url: w.url,
    headers: secrets.openHeaders(integrationId, w.headers),
    signingSecret: secrets.openSigningSecret(integrationId, w.signing_secret),
    previousSecret: w.previous_secret === null ? null : secrets.openSigningSecret(integrationId, w.previous_secret),
  };
  const eventId = newId('event');
  const event: TestEvent = {
    id: eventId,
    type: 'webhook.test',
    message: 'A test event: the webhook integration is reachable and verifies signatures.',
    occurred_at: new Date().toISOString(),
  };
  const body = JSON.stringify(event);
  // A pool of its own, apart from the worker's for this integration, so a test never waits for a connection.
  const outcome = await outbound.post(
    w.url,
    deliveryHeaders(destination, eventId, body),
    body,
    `test:${integrationId}`,
  );
  const delivered = outcome.statusCode !== null && outcome.statusCode >= 200 && outcome.statusCode < 300;
  if (delivered) {
    // The destination answers: healthy again, and its circuit closed (a worker holding it open closes it on its
    // next probe, at most 30 s later).
    const { rowCount } = await pool.query(
      // A paused integration stays paused (only …/resume undoes what an operator did); its circuit still closes.
      `UPDATE webhook_integrations SET status = CASE WHEN status = 'PAUSED' THEN status ELSE 'HEALTHY' END,
         last_error = CASE WHEN status = 'PAUSED' THEN last_error ELSE NULL END,
         circuit_state = 'CLOSED', circuit_max_in_flight = NULL, circuit_failures = 0, circuit_changed_at = now(), circuit_next_probe_at = NULL
       WHERE id = $1 AND (status IN ('UNHEALTHY', 'DISABLED') OR circuit_state <> 'CLOSED')`,
      [integrationId],
    );
    if (rowCount) await pool.query(`SELECT pg_notify('${DELIVERIES_CHANNEL}', '')`);
  }
  return {
    event_id: eventId,
    delivered,
    attempt: attemptView({
      id: newId('attempt'),
      attempted_at: outcome.startedAt,
      status_code: outcome.statusCode,
      duration_ms: outcome.durationMs,
      // Those who may send a test may not read every secret it carries: an echoing receiver's answer is scrubbed.
      response_excerpt: scrubSecrets(outcome.responseExcerpt, destination),
      error: outcome.error,
    }),
  };
}

export async function getSigningSecret(pool: Queryable, secrets: IntegrationSecrets, integrationId: string) {
  const { rows } = await pool.query<{ signing_secret: string; previous_secret_expires_at: Date | null }>(
    'SELECT signing_secret, previous_secret_expires_at FROM webhook_integrations WHERE id = $1',
    [integrationId],
  );
  if (rows.length === 0) throw notFound(`Webhook integration ${integrationId}`);
  const expires = rows[0].previous_secret_expires_at;
  return {
    secret: secrets.openSigningSecret(integrationId, rows[0].signing_secret),
    previous_secret_expires_at: expires && expires > new Date() ? expires.toISOString() : null,
  };
}

/**
 * Replaces the signing secret; the old one keeps signing beside it for 24 hours so receivers can switch over.
 * The old one moves over sealed as it is (both columns share one encryption context).
 */
export async function rotateSigningSecret(pool: Queryable, secrets: IntegrationSecrets, integrationId: string) {
  const secret = newSigningSecret();
  const { rows } = await pool.query<{ previous_secret_expires_at: Date }>(
    `UPDATE webhook_integrations
     SET previous_signing_secret = signing_secret, signing_secret = $2,
         previous_secret_expires_at = now() + $3::int * interval '1 millisecond'
     WHERE id = $1 RETURNING previous_secret_expires_at`,
    [integrationId, secrets.sealSigningSecret(integrationId, secret), PREVIOUS_SECRET_GRACE_MS],
  );
  if (rows.length === 0) throw notFound(`Webhook integration ${integrationId}`);
  return { secret, previous_secret_expires_at: rows[0].previous_secret_expires_at.toISOString() };
}
