import type { Pool, PoolClient } from 'pg';
import { withTransaction } from '../db/transaction';
import type { Keyring } from './keyring';

/**
 * Re-encryption of stored secrets, online and in batches, for two jobs:
 *
 * - `plaintext`: seal what was stored before encryption existed (a migration cannot: it has no key). The service
 *   runs this at every start; it finds nothing once done.
 * - `rotate`: re-seal every value that is not sealed under the keyring's first key (plain text included), so an
 *   old key can be removed from CF_ENCRYPTION_KEYS afterwards (`npm run cli -- secrets rotate`).
 *
 * Each batch is one short transaction that locks its rows with FOR NO KEY UPDATE SKIP LOCKED: API writes and the
 * delivery worker's health updates are never waited for (nor deadlocked against); rows they hold are skipped and
 * picked up by a later pass. Nothing a client sees changes: the plaintext is the same, so versions (ETags) and
 * `updated_at` stay as they are. A value that no configured key opens stops the walk with SecretUnreadableError.
 */
export type ResealMode = 'plaintext' | 'rotate';

/** Values per key id; the key `plaintext` counts values not sealed yet. */
export type Census = Record<string, number>;

/** Reads `SELECT kid, n` rows into a Census. */
export function censusOf(rows: ReadonlyArray<{ kid: string; n: number }>): Census {
  return Object.fromEntries(rows.map((r) => [r.kid, r.n]));
}

/** A table holding sealed values: re-sealed by walking it in the order of its primary key. */
export interface SealedTable {
  /** For progress messages, e.g. "webhook integrations". */
  readonly name: string;
  /**
   * How many values are sealed under each key id, and how many are still plain text (`plaintext`). A scan of the
   * table: for the start-up check and `secrets status`.
   */
  census(pool: Pool): Promise<Census>;
  /**
   * Re-seals up to `limit` rows after `cursor` (a primary key; undefined: from the start) that need it, in `tx`.
   * Returns how many were re-sealed and the last key looked at, or undefined at the end of the table.
   */
  batch(tx: PoolClient, keyring: Keyring, mode: ResealMode, cursor: string[] | undefined, limit: number): Promise<{ count: number; cursor: string[] | undefined }>;
  /** Rows still needing it (rows held by others when the walk passed them). */
  remaining(pool: Pool, keyring: Keyring, mode: ResealMode): Promise<number>;
}

export interface ResealOptions {
  /** Rows per transaction. Default 200. */
  batchSize?: number;
  /** Called after each batch that changed something. */
  onProgress?: (target: string, resealedSoFar: number) => void;
  /** Pause between passes while skipped (locked) rows remain, ms. Default 200. */
  retryMs?: number;
  /** Passes over a table before giving up on rows that stay locked. Default 50. */
  maxPasses?: number;
  signal?: AbortSignal;
}

/** Walks every target; returns the rows re-sealed per target name. */
export async function resealAll(
  pool: Pool,
  keyring: Keyring,
  mode: ResealMode,
  targets: readonly SealedTable[],
  options: ResealOptions = {},
): Promise<Record<string, number>> {
  const batchSize = options.batchSize ?? 200;
  const done: Record<string, number> = {};
  for (const target of targets) {
    let total = 0;
    for (let pass = 0; ; pass++) {
      let cursor: string[] | undefined;
      do {
        if (options.signal?.aborted) return done;
        const result = await withTransaction(pool, (tx) => target.batch(tx, keyring, mode, cursor, batchSize));
        cursor = result.cursor;
        total += result.count;
        if (result.count > 0) options.onProgress?.(target.name, total);
      } while (cursor);
      const left = await target.remaining(pool, keyring, mode);
      if (left === 0) break;
      if (pass + 1 >= (options.maxPasses ?? 50)) {
        throw new Error(`${left} ${target.name} stayed locked by other transactions through ${pass + 1} passes; run the command again`);
      }
      await new Promise((r) => setTimeout(r, options.retryMs ?? 200));
    }
    done[target.name] = total;
  }
  return done;
}

/** The LIKE pattern of values sealed under the keyring's first key. */
export const currentKeyPattern = (keyring: Keyring) => `v1:${keyring.primaryId}:%`;
