import type { PoolClient } from 'pg';
import { AppError } from '../errors';
import type { Queryable } from '../queryable';
import { isSealed, type Keyring } from '../secrets/keyring';
import { censusOf, currentKeyPattern, type ResealMode, type SealedTable } from '../secrets/reseal';

/**
 * Idempotency keys (the IETF httpapi Idempotency-Key draft, as Stripe and Svix serve it). A POST sent with a
 * key runs at most once per principal and key for 24 hours: its successful response is stored in the same
 * transaction as the change it made, and a repeat with the same request gets that response again.
 *
 * While the first request runs, its transaction holds a transaction-scoped advisory lock on the key; a repeat
 * that cannot take the lock is still in flight and answers 409. A request that fails stores nothing (its
 * transaction rolls back), so it may be retried with the same key; so may one whose process crashed.
 *
 * A stored body may hold secrets (a created integration's header values, a rotated signing secret), so it is
 * sealed like them (secrets/keyring.ts), bound to its principal and key. Bodies stored before encryption are
 * JSON text, which never looks like a sealed value, and are read as they are until sealed or expired.
 */

/** The encryption context of one stored body. */
export const idempotencyContext = (principal: string, key: string) => `idempotency_keys:${principal}\n${key}`;

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
export async function claimIdempotencyKey(tx: PoolClient, keyring: Keyring, scope: IdempotencyScope): Promise<StoredResponse | null> {
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
  const body = found.body !== null && isSealed(found.body) ? keyring.open(found.body, idempotencyContext(scope.principal, scope.key)) : found.body;
  return { status: found.status_code, headers: found.headers, body };
}

/** Stores the response of the request that holds the key (an expired entry for the key is replaced). */
export async function saveIdempotentResponse(tx: PoolClient, keyring: Keyring, scope: IdempotencyScope, response: StoredResponse): Promise<void> {
  const body = response.body === null ? null : keyring.seal(response.body, idempotencyContext(scope.principal, scope.key));
  await tx.query(
    `INSERT INTO idempotency_keys (principal, key, fingerprint, status_code, headers, body, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, now() + $7::int * interval '1 hour')
     ON CONFLICT (principal, key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, status_code = EXCLUDED.status_code,
       headers = EXCLUDED.headers, body = EXCLUDED.body, created_at = now(), expires_at = EXCLUDED.expires_at`,
    [scope.principal, scope.key, scope.fingerprint, response.status, JSON.stringify(response.headers), body, IDEMPOTENCY_TTL_HOURS],
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

/** The stored response bodies (secrets/reseal.ts walks them: plain text from before encryption, or a key rotation). */
export const idempotentResponsesTarget: SealedTable = {
  name: 'stored idempotent responses',

  async census(pool) {
    const { rows } = await pool.query<{ kid: string; n: number }>(
      `SELECT CASE WHEN body LIKE 'v1:%' THEN split_part(body, ':', 2) ELSE 'plaintext' END AS kid, count(*)::int AS n
       FROM idempotency_keys WHERE body IS NOT NULL GROUP BY 1`,
    );
    return censusOf(rows);
  },

  async batch(tx, keyring, mode, cursor, limit) {
    const { rows } = await tx.query<{ principal: string; key: string; body: string }>(
      `SELECT principal, key, body FROM idempotency_keys
       WHERE (principal, key) > ($2, $3) AND body IS NOT NULL AND ${needsReseal(mode)}
       ORDER BY principal, key LIMIT $4 FOR NO KEY UPDATE SKIP LOCKED`,
      [currentKeyPattern(keyring), cursor?.[0] ?? '', cursor?.[1] ?? '', limit],
    );
    if (rows.length > 0) {
      const bodies = rows.map((r) => {
        const context = idempotencyContext(r.principal, r.key);
        return keyring.seal(isSealed(r.body) ? keyring.open(r.body, context) : r.body, context);
      });
      await tx.query(
        `UPDATE idempotency_keys i SET body = u.body FROM unnest($1::text[], $2::text[], $3::text[]) AS u(principal, key, body)
         WHERE i.principal = u.principal AND i.key = u.key`,
        [rows.map((r) => r.principal), rows.map((r) => r.key), bodies],
      );
    }
    const last = rows[rows.length - 1];
    return { count: rows.length, cursor: rows.length < limit ? undefined : [last.principal, last.key] };
  },

  async remaining(pool, keyring, mode) {
    const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM idempotency_keys WHERE body IS NOT NULL AND ${needsReseal(mode)}`, [
      currentKeyPattern(keyring),
    ]);
    return rows[0].n;
  },
};

/** Bodies in plain text (JSON never starts with `v1:`), or (rotate) not sealed under the first key ($1). */
function needsReseal(mode: ResealMode): string {
  return mode === 'plaintext' ? `$1::text IS NOT NULL AND body NOT LIKE 'v1:%'` : 'body NOT LIKE $1';
}
