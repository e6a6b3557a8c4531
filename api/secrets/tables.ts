import type { Pool } from 'pg';
import { ConfigError } from '../config';
import { idempotentResponsesTarget } from '../idempotency/store';
import { integrationSecretsTarget } from '../webhook-integrations/reseal';
import type { Keyring } from './keyring';
import type { SealedTable } from './reseal';

/**
 * Every table that holds sealed values. A new secret column joins one of these (or adds a table here), so that
 * start-up checks it and `secrets rotate` re-seals it. Composed here, above the domains that own the tables.
 */
export const SEALED_TABLES: readonly SealedTable[] = [integrationSecretsTarget, idempotentResponsesTarget];

/**
 * Refuses to start when a stored value names a key the keyring lacks: started with the wrong key (or without an
 * old one), the service would otherwise run and fail at each read. Key ids name keys without revealing them,
 * so the message lists them.
 */
export async function checkStoredKeys(pool: Pool, keyring: Keyring, tables: readonly SealedTable[] = SEALED_TABLES): Promise<void> {
  const missing = new Set<string>();
  for (const table of tables) {
    for (const id of Object.keys(await table.census(pool))) if (id !== 'plaintext' && !keyring.hasKey(id)) missing.add(id);
  }
  if (missing.size === 0) return;
  const have = keyring.keys.map((k) => k.id).join(', ');
  throw new ConfigError(
    `Invalid configuration:\n  CF_ENCRYPTION_KEYS: stored header values and signing secrets are encrypted with key ${[...missing].join(', ')}, ` +
      `which is not among the configured keys (${have}). Start with the key they were encrypted with in CF_ENCRYPTION_KEYS ` +
      '(the first key encrypts new values; list older ones after it); `npm run cli -- secrets status` lists the ids of the ' +
      'keys it is given and which of them the stored values use.',
  );
}
