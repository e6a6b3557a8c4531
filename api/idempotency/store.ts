import type { PoolClient } from 'pg';
import { AppError } from '../errors';
import type { Queryable } from '../queryable';

/**
 * Idempotency keys (the IETF httpapi Idempotency-Key draft, as Stripe and Svix serve it). A POST sent with a
 * key runs at most once per principal and key for 24 hours: its successful response is stored in the same
 * transaction as the change it made, and a repeat with the same request gets that response again.
 *
 * While the first request runs, its transaction holds a transaction-scoped advisory lock on the key; a repeat
 * that cannot take the lock is still in flight and answers 409. A request that fails stores nothing (its
 * transaction rolls back), so it may be retried with the same key; so may one whose process crashed.
 */

/** How long a key's response is kept and replayed. */
export const IDEMPOTENCY_TTL_HOURS = 24;

export interface IdempotencyScope {
  /** The principal, `Type::"id"`: one principal's keys never collide with another's. */
  principal: string;
  key: string;
  /** Hash of what the request asks for (method, path, body); the same key with another fingerprint is refused. */
  fingerprint: string;
}

export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  /** The JSON body as first sent, or null for none. */
  body: string | null;
}

/**
 * Takes the key for this transaction. Returns the stored response to replay, or null when the request is to run
 * (then call saveResponse in the same transaction once it succeeded).
 */
export async function claimIdempotencyKey(tx: PoolClient, scope: IdempotencyScope): Promise<StoredResponse | null> {
  const { rows: lock } = await tx.query<{ locked: boolean }>(
    `SELECT pg_try_advisory_xact_lock(hashtextextended('idempotency:' || $1 || chr(10) || $2, 0)) AS locked`,
    [scope.principal, scope.key],
  );
  if (!lock[0].locked) {
    throw new AppError(
      'request_in_progress',
      'A request with this Idempotency-Key is still being processed; retry once it has finished.',
      undefined,
      { 'Retry-After': '1' },
    );
  }
  // A statement of its own: its snapshot is taken after the lock, so a request that committed meanwhile is seen.
  const { rows } = await tx.query<{ fingerprint: string; status_code: number; headers: Record<string, string>; body: string | null }>(
    `SELECT fingerprint, status_code, headers, body FROM idempotency_keys
     WHERE principal = $1 AND key = $2 AND expires_at > now()`,
    [scope.principal, scope.key],
  );
  const found = rows[0];
  if (!found) return null;
  if (found.fingerprint !== scope.fingerprint) {
    throw new AppError(
      'idempotency_key_reused',
      'This Idempotency-Key was used with a different request (method, path or body); use a new key for a new request.',
    );
  }
  return { status: found.status_code, headers: found.headers, body: found.body };
}

/** Stores the response of the request that holds the key (an expired entry for the key is replaced). */
export async function saveIdempotentResponse(tx: PoolClient, scope: IdempotencyScope, response: StoredResponse): Promise<void> {
  await tx.query(
    `INSERT INTO idempotency_keys (principal, key, fingerprint, status_code, headers, body, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, now() + $7::int * interval '1 hour')
     ON CONFLICT (principal, key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, status_code = EXCLUDED.status_code,
       headers = EXCLUDED.headers, body = EXCLUDED.body, created_at = now(), expires_at = EXCLUDED.expires_at`,
    [scope.principal, scope.key, scope.fingerprint, response.status, JSON.stringify(response.headers), response.body, IDEMPOTENCY_TTL_HOURS],
  );
}

/** Deletes expired keys, at most `limit` at a time; returns how many went. */
export async function pruneIdempotencyKeys(db: Queryable, limit = 10_000): Promise<number> {
  const { rowCount } = await db.query(
    `DELETE FROM idempotency_keys WHERE ctid IN (SELECT ctid FROM idempotency_keys WHERE expires_at <= now() LIMIT $1)`,
    [limit],
  );
  return rowCount ?? 0;
}
