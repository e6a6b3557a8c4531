import { createHash, randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import { newId } from '../ids';

export type Role = 'admin' | 'read_only';

export interface ApiKeyRecord {
  id: string;
  name: string;
  role: Role;
  prefix: string;
  created_at: Date;
  revoked_at: Date | null;
}

/** API key secrets are 32 random bytes; SHA-256 is the right hash for high-entropy secrets (lookup by hash). */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

const SECRET_PREFIX = 'cfk_';

export function generateSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64url');
}

/** Creates a key and returns its secret, which is shown once and never stored. */
export async function createApiKey(
  pool: Pool,
  input: { name: string; role: Role; secret?: string },
): Promise<{ key: ApiKeyRecord; secret: string }> {
  const secret = input.secret ?? generateSecret();
  const { rows } = await pool.query<ApiKeyRecord>(
    `INSERT INTO api_keys (id, name, role, secret_hash, prefix) VALUES ($1, $2, $3, $4, $5)
     RETURNING id, name, role, prefix, created_at, revoked_at`,
    [newId('apiKey'), input.name, input.role, hashSecret(secret), secret.slice(0, 8)],
  );
  return { key: rows[0], secret };
}

export async function listApiKeys(pool: Pool): Promise<ApiKeyRecord[]> {
  const { rows } = await pool.query<ApiKeyRecord>(
    'SELECT id, name, role, prefix, created_at, revoked_at FROM api_keys ORDER BY id',
  );
  return rows;
}

/** Returns whether a key was revoked (false when it does not exist or was already revoked). */
export async function revokeApiKey(pool: Pool, id: string): Promise<boolean> {
  const { rowCount } = await pool.query(
    'UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL',
    [id],
  );
  if (rowCount) await pool.query("SELECT pg_notify('api_keys_changed', $1)", [id]);
  return (rowCount ?? 0) > 0;
}

/**
 * Ensures an admin key with this secret exists and is not revoked (CF_BOOTSTRAP_API_KEY). Idempotent, so every
 * start of every instance may call it.
 */
export async function ensureBootstrapKey(pool: Pool, secret: string): Promise<'created' | 'existing'> {
  const { rows } = await pool.query<{ inserted: boolean }>(
    `INSERT INTO api_keys (id, name, role, secret_hash, prefix) VALUES ($1, 'bootstrap', 'admin', $2, $3)
     ON CONFLICT (secret_hash) DO UPDATE SET revoked_at = NULL, role = 'admin'
     RETURNING (xmax = 0) AS inserted`,
    [newId('apiKey'), hashSecret(secret), secret.slice(0, 8)],
  );
  return rows[0].inserted ? 'created' : 'existing';
}

export async function countActiveApiKeys(pool: Pool): Promise<number> {
  const { rows } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM api_keys WHERE revoked_at IS NULL');
  return Number(rows[0].n);
}
