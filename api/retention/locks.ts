import type { PoolClient } from 'pg';

/**
 * Advisory lock keys of the data lifecycle (bigints, apart from Prisma's migration lock 72707369).
 *
 * - SWEEP (session, try-lock): at most one process prunes at a time; the others skip their turn.
 * - PARTITIONS (transaction): one process at a time decides which partitions are missing and creates them.
 * - REQUEUE (transaction, shared / session, exclusive): anything that makes an existing delivery PENDING again
 *   (a retry, a recover) holds it shared while it checks that the event is still stored and re-queues the
 *   delivery; the sweeper holds it exclusively from "no delivery of these events is pending" until the events
 *   are gone. Without it an event could be dropped between the check and the drop while a retry re-queued one
 *   of its deliveries, which would then have nothing to send.
 */
export const LOCKS = {
  SWEEP: 7_265_730_001n,
  PARTITIONS: 7_265_730_002n,
  REQUEUE: 7_265_730_003n,
} as const;

/**
 * Holds the re-queue lock shared until the caller's transaction ends: events then stay stored at least until
 * it commits, and once it has, their re-queued deliveries pin them (see LOCKS.REQUEUE).
 */
export async function holdRequeueLock(tx: PoolClient): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock_shared($1)', [LOCKS.REQUEUE.toString()]);
}
