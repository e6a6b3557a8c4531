import type { PoolClient } from 'pg';

/**
 * Retention of finished deliveries (SUCCEEDED or FAILED) and their attempts, by the time they finished.
 * PENDING deliveries are never touched, however old: that includes those of a PAUSED or DISABLED integration.
 *
 * Deliveries are a work queue, updated several times in their life, so they are deleted in batches rather than
 * kept in time partitions: a partition could only be dropped once none of its rows were pending, and one delivery
 * waiting on a paused destination would pin a whole day's partition (the README's "Retention" section). They are
 * found oldest first through the partial index deliveries_updated_at_idx (finished rows only, migration
 * 20261201140010), so a batch costs the rows it deletes, not a scan of the table.
 */

export interface DeliveryPruneResult {
  deliveries: number;
  attempts: number;
}

/**
 * Deletes up to `limit` deliveries that finished before `cutoff`, and their attempts, in one statement. Rows
 * locked by a retry in progress are skipped (they are PENDING again once it commits, or taken by the next sweep).
 */
export async function pruneFinishedDeliveries(db: PoolClient, cutoff: Date, limit: number): Promise<DeliveryPruneResult> {
  const { rows } = await db.query<{ deliveries: number; attempts: number }>(
    `WITH doomed AS (
       SELECT id FROM deliveries WHERE status <> 'PENDING' AND updated_at < $1
       ORDER BY updated_at LIMIT $2 FOR UPDATE SKIP LOCKED
     ), attempts AS (
       DELETE FROM delivery_attempts a USING doomed WHERE a.delivery_id = doomed.id RETURNING 1
     ), gone AS (
       DELETE FROM deliveries d USING doomed WHERE d.id = doomed.id RETURNING 1
     )
     SELECT (SELECT count(*) FROM gone)::int AS deliveries, (SELECT count(*) FROM attempts)::int AS attempts`,
    [cutoff, limit],
  );
  return rows[0];
}
