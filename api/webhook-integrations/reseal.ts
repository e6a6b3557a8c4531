import type { Keyring } from '../secrets/keyring';
import { censusOf, currentKeyPattern, type ResealMode, type SealedTable } from '../secrets/reseal';
import { headersContext, isPlainSigningSecret, IntegrationSecrets, signingSecretContext, type StoredHeader } from './secrets';

/**
 * Which rows still hold a value to re-seal: plain text, or (rotate) anything not under the first key ($1, which
 * both forms mention so that the parameter always has a type).
 */
function needsWork(mode: ResealMode): string {
  return mode === 'plaintext'
    ? `$1::text IS NOT NULL AND (signing_secret LIKE 'whsec\\_%' OR previous_signing_secret LIKE 'whsec\\_%' OR headers @? '$[*].value')`
    : `(signing_secret NOT LIKE $1 OR previous_signing_secret NOT LIKE $1
        OR EXISTS (SELECT 1 FROM jsonb_array_elements(headers) h WHERE NOT coalesce(h->>'sealed' LIKE $1, false)))`;
}

interface SecretColumns {
  id: string;
  signing_secret: string;
  previous_signing_secret: string | null;
  headers: StoredHeader[];
}

/** The header values and signing secrets of `webhook_integrations` (secrets/reseal.ts walks it). */
export const integrationSecretsTarget: SealedTable = {
  name: 'webhook integrations',

  async census(pool) {
    const { rows } = await pool.query<{ kid: string; n: number }>(
      `SELECT CASE WHEN v LIKE 'v1:%' THEN split_part(v, ':', 2) ELSE 'plaintext' END AS kid, count(*)::int AS n FROM (
         SELECT signing_secret AS v FROM webhook_integrations
         UNION ALL SELECT previous_signing_secret FROM webhook_integrations WHERE previous_signing_secret IS NOT NULL
         UNION ALL SELECT coalesce(h->>'sealed', '') FROM webhook_integrations, jsonb_array_elements(headers) h
       ) s GROUP BY 1`,
    );
    return censusOf(rows);
  },

  async batch(tx, keyring, mode, cursor, limit) {
    const { rows } = await tx.query<SecretColumns>(
      `SELECT id, signing_secret, previous_signing_secret, headers FROM webhook_integrations
       WHERE id > $2 AND ${needsWork(mode)}
       ORDER BY id LIMIT $3 FOR NO KEY UPDATE SKIP LOCKED`,
      [currentKeyPattern(keyring), cursor?.[0] ?? '', limit],
    );
    if (rows.length > 0) {
      const resealed = rows.map((row) => resealRow(keyring, mode, row));
      await tx.query(
        `UPDATE webhook_integrations w SET signing_secret = u.s, previous_signing_secret = u.p, headers = u.h
         FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[]) AS u(id, s, p, h) WHERE w.id = u.id`,
        [
          resealed.map((r) => r.id),
          resealed.map((r) => r.signing_secret),
          resealed.map((r) => r.previous_signing_secret),
          resealed.map((r) => JSON.stringify(r.headers)),
        ],
      );
    }
    return { count: rows.length, cursor: rows.length < limit ? undefined : [rows[rows.length - 1].id] };
  },

  async remaining(pool, keyring, mode) {
    const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_integrations WHERE ${needsWork(mode)}`, [
      currentKeyPattern(keyring),
    ]);
    return rows[0].n;
  },
};

/** One row's secrets, each re-sealed under the first key when `mode` says it needs it, else as stored. */
function resealRow(keyring: Keyring, mode: ResealMode, row: SecretColumns): SecretColumns {
  const secrets = new IntegrationSecrets(keyring);
  const secretContext = signingSecretContext(row.id);
  const secret = (stored: string) => {
    const plain = isPlainSigningSecret(stored);
    if (!plain && (mode === 'plaintext' || keyring.isCurrent(stored))) return stored;
    return keyring.seal(secrets.openSigningSecret(row.id, stored), secretContext);
  };
  const context = headersContext(row.id);
  const headers = row.headers.map((h): StoredHeader => {
    if ('sealed' in h && (mode === 'plaintext' || keyring.isCurrent(h.sealed))) return h;
    const value = 'sealed' in h ? keyring.open(h.sealed, context) : h.value;
    return { key: h.key, sealed: keyring.seal(value, context) };
  });
  return {
    id: row.id,
    signing_secret: secret(row.signing_secret),
    previous_signing_secret: row.previous_signing_secret === null ? null : secret(row.previous_signing_secret),
    headers,
  };
}
