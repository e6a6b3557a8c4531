import { escapeIdentifier, escapeLiteral, type Pool, type PoolClient } from 'pg';
import { withTransaction } from '../db/transaction';
import { ksuidFloor, ksuidTime } from '../ids';
import { LOCKS } from './locks';

/**
 * Time partitions of the two event tables (migration 20261201140000): each is partitioned by RANGE of its id,
 * and since an id is a prefix and a KSUID whose leading digits are the time in seconds, an id range is a time
 * range. Retention drops a partition once every id in it is older than the retention, which removes millions of
 * rows without deleting any of them one by one (no dead rows, no vacuum, the disk space back at once).
 *
 * Contracts:
 * - Partitions cover the ids of now and `ahead` into the future at all times (ensurePartitions runs at start-up
 *   and then periodically in every process). There is no default partition, because a default partition rules
 *   out DETACH … CONCURRENTLY and every new partition would have to scan it.
 * - A partition holding an event with a PENDING delivery is never dropped (the event would be lost to its
 *   delivery); its other rows are deleted in batches instead, and the partition goes once nothing in it is
 *   pending (dropExpiredPartitions).
 */

export interface EventTable {
  /** The partitioned table. */
  name: 'authorization_evaluations' | 'audit_events';
  /** Every id it holds starts with this. */
  prefix: string;
  /** `deliveries.event_kind` of its events. */
  kind: 'AUTHORIZATION' | 'AUDIT';
}

export const EVENT_TABLES = {
  evaluations: { name: 'authorization_evaluations', prefix: 'eval_', kind: 'AUTHORIZATION' },
  auditEvents: { name: 'audit_events', prefix: 'evt_', kind: 'AUDIT' },
} as const satisfies Record<string, EventTable>;

export interface Partition {
  name: string;
  /** The lowest id it may hold; null for MINVALUE. */
  from: string | null;
  /** It holds ids below this one. */
  to: string;
  /** Every id it may hold was made before this instant. */
  before: Date;
  /** Left half-detached by an interrupted DETACH … CONCURRENTLY: it must be finalized, then dropped. */
  detachPending: boolean;
}

const SECOND = 1000;
const LADDER = [1, 10, 60, 300, 900, 3600, 6 * 3600, 86_400, 7 * 86_400].map((s) => s * SECOND);

/**
 * The width of new partitions for a retention: the largest of 1 s … 7 d that is at most 1/30 of it (30 d gives
 * 1 d, 400 d gives 7 d, 12 h gives 15 min; under 30 s gives 1 s, KSUIDs' resolution). Rows live at most one
 * partition past their retention, and about 30 partitions hold the retained data.
 */
export function partitionIntervalMs(retentionMs: number): number {
  const target = retentionMs / 30;
  return LADDER.filter((w) => w <= target).at(-1) ?? LADDER[0];
}

/** The upper bound of the partition containing `at` with partitions `widthMs` wide (aligned to the epoch). */
function nextBoundary(at: Date, widthMs: number): Date {
  return new Date((Math.floor(at.getTime() / widthMs) + 1) * widthMs);
}

/** `eval_` + the smallest KSUID of `at`'s second: the partition bound at that instant. */
export const boundAt = (t: EventTable, at: Date) => t.prefix + ksuidFloor(at);

/** The instant before which every id below `bound` was made (a bound such as `eval_<max id>~` rounds up). */
function beforeOf(t: EventTable, bound: string): Date {
  const digits = bound.slice(t.prefix.length, t.prefix.length + 27);
  const time = ksuidTime(digits);
  if (!bound.startsWith(t.prefix) || !time) throw new Error(`partition bound ${bound} of ${t.name} is not ${t.prefix} and a KSUID`);
  return bound === boundAt(t, time) ? time : new Date(time.getTime() + SECOND);
}

const BOUND = /^FOR VALUES FROM \((MINVALUE|'([^']*)')\) TO \('([^']*)'\)$/;

/** The attached partitions of `t`, oldest first. */
export async function listPartitions(db: Pool | PoolClient, t: EventTable): Promise<Partition[]> {
  const { rows } = await db.query<{ name: string; bound: string; detach_pending: boolean }>(
    `SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound, i.inhdetachpending AS detach_pending
     FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = $1::regclass`,
    [t.name],
  );
  return rows
    .map((r) => {
      const m = BOUND.exec(r.bound);
      if (!m) throw new Error(`unexpected partition bound of ${r.name}: ${r.bound}`);
      return { name: r.name, from: m[2] ?? null, to: m[3], before: beforeOf(t, m[3]), detachPending: r.detach_pending };
    })
    .sort((a, b) => (a.to < b.to ? -1 : 1));
}

/** `audit_events_p20261201t000000`: the table and the first instant of the partition. */
function partitionName(t: EventTable, start: Date | null): string {
  if (!start) return `${t.name}_p_first`;
  return `${t.name}_p${start.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, '').toLowerCase()}`;
}

/**
 * Creates the partitions `t` lacks so that ids up to `now + aheadMs` have one, `widthMs` wide and aligned to
 * the epoch (the first after an old, differently sized one runs to the next aligned boundary). Returns how many
 * it created. Safe in any number of processes at once: one at a time decides (PARTITIONS lock).
 *
 * Each is created on its own and then attached: ATTACH takes a SHARE UPDATE EXCLUSIVE lock on the parent,
 * which reads and writes do not wait for, where CREATE TABLE … PARTITION OF would take an ACCESS EXCLUSIVE one.
 */
export async function ensurePartitions(pool: Pool, t: EventTable, o: { widthMs: number; aheadMs: number; now: Date }): Promise<number> {
  return withTransaction(pool, async (tx) => {
    // A DETACH … CONCURRENTLY holds the parent while it waits for older transactions; give up rather than queue
    // behind it for long (the partitions already made cover `ahead`; the next round retries).
    await tx.query(`SET LOCAL lock_timeout = '5s'`);
    await tx.query('SELECT pg_advisory_xact_lock($1)', [LOCKS.PARTITIONS.toString()]);
    const existing = (await listPartitions(tx, t)).filter((p) => !p.detachPending);
    let last = existing.at(-1);
    const horizon = o.now.getTime() + o.aheadMs;
    let created = 0;
    const table = escapeIdentifier(t.name);
    while (!last || last.before.getTime() < horizon) {
      const start = last ? last.before : null;
      // After a long stop (no process ran for many widths), one partition spans the gap up to now, rather than
      // thousands of empty ones.
      const caughtUp = start && o.now.getTime() - start.getTime() > 10 * o.widthMs ? o.now : start;
      const end = nextBoundary(caughtUp ?? o.now, o.widthMs);
      const to = boundAt(t, end);
      const name = partitionName(t, start);
      const from = last ? escapeLiteral(last.to) : 'MINVALUE';
      await tx.query(`CREATE TABLE ${escapeIdentifier(name)} (LIKE ${table} INCLUDING ALL)`);
      await tx.query(`ALTER TABLE ${table} ATTACH PARTITION ${escapeIdentifier(name)} FOR VALUES FROM (${from}) TO (${escapeLiteral(to)})`);
      last = { name, from: last?.to ?? null, to, before: end, detachPending: false };
      created++;
    }
    return created;
  });
}

/** How the event tables are partitioned for a set of retention settings (see Sweeper). */
export interface PartitionPlan {
  /** Per table: its retention, its partitions' width, and how far ahead of now its partitions exist. */
  tables: Array<{ table: EventTable; retentionMs: number; widthMs: number; aheadMs: number }>;
  /** How often every process makes sure the partitions ahead exist. */
  ensureEveryMs: number;
}

export function partitionPlan(s: { auditEventsMs: number; evaluationsMs: number; sweepIntervalMs: number }): PartitionPlan {
  const widths = [
    { table: EVENT_TABLES.evaluations, retentionMs: s.evaluationsMs },
    { table: EVENT_TABLES.auditEvents, retentionMs: s.auditEventsMs },
  ].map((t) => ({ ...t, widthMs: partitionIntervalMs(t.retentionMs) }));
  const narrowest = Math.min(...widths.map((t) => t.widthMs));
  const ensureEveryMs = Math.min(s.sweepIntervalMs, Math.max(narrowest, 10_000));
  // Made well before they are needed: four of its own widths ahead, and at least three rounds of the timer that
  // makes them, so a few failed rounds (the database briefly away) never leave ids without a partition. Per
  // table: a narrow table made as far ahead as a wide one would get thousands of empty partitions (1 s wide
  // ones for 28 days is 2.4 million, more than Postgres can lock).
  const tables = widths.map((t) => ({ ...t, aheadMs: Math.max(4 * t.widthMs, 3 * ensureEveryMs, 30_000) }));
  return { tables, ensureEveryMs };
}

/** ensurePartitions for both event tables; returns how many partitions were created. */
export async function ensureEventPartitions(pool: Pool, plan: PartitionPlan, now = new Date()): Promise<number> {
  let created = 0;
  for (const t of plan.tables) created += await ensurePartitions(pool, t.table, { widthMs: t.widthMs, aheadMs: t.aheadMs, now });
  return created;
}

/** Pending deliveries whose event is in partition `p` of `t`; each one keeps the partition. */
async function pinsOf(db: PoolClient, t: EventTable, p: Partition): Promise<number> {
  // COLLATE "C": the bounds are in byte order, whatever the deliveries column's collation.
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM deliveries WHERE status = 'PENDING' AND event_kind = $1::"EventKind"
       AND event_id COLLATE "C" >= $2 AND event_id COLLATE "C" < $3`,
    [t.kind, p.from ?? '', p.to],
  );
  return rows[0].n;
}

/**
 * The rows in a partition about to be dropped: counted when it is small, else the planner's figure (counting a
 * large, cold partition would read all of it from disk just for a metric; autovacuum analyses every partition
 * after it fills, so the estimate is close).
 */
async function rowsIn(db: PoolClient, name: string): Promise<number> {
  const { rows } = await db.query<{ tuples: number; pages: number }>('SELECT reltuples::float8 AS tuples, relpages AS pages FROM pg_class WHERE oid = $1::regclass', [name]);
  if (rows[0].tuples >= 0 && rows[0].pages >= 1000) return Math.round(rows[0].tuples);
  const { rows: counted } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${escapeIdentifier(name)}`);
  return counted[0].n;
}

export interface DropOptions {
  /** Rows whose id is older than this are past retention. */
  cutoff: Date;
  /** Rows per DELETE in a partition that cannot be dropped. */
  batchSize: number;
  /** Asked between batches: stop early (shutdown). */
  stopping: () => boolean;
}

/**
 * Removes what of `t` is past retention, on the sweeper's own connection (`session`, outside any transaction:
 * DETACH … CONCURRENTLY cannot run in one). Each partition wholly older than the cutoff is detached without
 * blocking reads or writes and dropped; if some of its events still have a pending delivery, only the others are
 * deleted, in batches. Returns the rows removed.
 */
export async function dropExpiredPartitions(session: PoolClient, t: EventTable, o: DropOptions): Promise<number> {
  let removed = 0;
  for (const p of await listPartitions(session, t)) {
    if (p.before > o.cutoff || o.stopping()) break;
    if (p.detachPending) {
      // An earlier sweep was interrupted after the partition left the table (no query sees it any more).
      removed += await rowsIn(session, p.name);
      await session.query(`ALTER TABLE ${escapeIdentifier(t.name)} DETACH PARTITION ${escapeIdentifier(p.name)} FINALIZE`);
      await session.query(`DROP TABLE ${escapeIdentifier(p.name)}`);
      continue;
    }
    await session.query('SELECT pg_advisory_lock($1)', [LOCKS.REQUEUE.toString()]);
    let pinned: number;
    try {
      pinned = await pinsOf(session, t, p);
      if (pinned === 0) {
        const rows = await rowsIn(session, p.name);
        await session.query(`SET lock_timeout = '10s'`);
        try {
          await session.query(`ALTER TABLE ${escapeIdentifier(t.name)} DETACH PARTITION ${escapeIdentifier(p.name)} CONCURRENTLY`);
        } finally {
          await session.query('RESET lock_timeout');
        }
        await session.query(`DROP TABLE ${escapeIdentifier(p.name)}`);
        removed += rows;
      }
    } finally {
      await session.query('SELECT pg_advisory_unlock($1)', [LOCKS.REQUEUE.toString()]);
    }
    if (pinned > 0) removed += await deleteUnpinned(session, t, p, o);
  }
  return removed;
}

/** Deletes the rows of partition `p` that no pending delivery needs, `batchSize` at a time, in id order. */
async function deleteUnpinned(session: PoolClient, t: EventTable, p: Partition, o: DropOptions): Promise<number> {
  const part = escapeIdentifier(p.name);
  let after = '';
  let removed = 0;
  while (!o.stopping()) {
    await session.query('BEGIN');
    try {
      // Exclusive for the batch only: a retry or recover waits at most one batch (see LOCKS.REQUEUE).
      await session.query('SELECT pg_advisory_xact_lock($1)', [LOCKS.REQUEUE.toString()]);
      const { rows } = await session.query<{ last: string | null; n: number }>(
        `WITH batch AS (SELECT id FROM ${part} WHERE id > $1 ORDER BY id LIMIT $2),
         gone AS (
           DELETE FROM ${part} e USING batch WHERE e.id = batch.id
             AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.status = 'PENDING' AND d.event_kind = $3::"EventKind" AND d.event_id = e.id)
           RETURNING 1
         )
         SELECT (SELECT max(id) FROM batch) AS last, (SELECT count(*) FROM gone)::int AS n`,
        [after, o.batchSize, t.kind],
      );
      await session.query('COMMIT');
      removed += rows[0].n;
      if (rows[0].last === null) break;
      after = rows[0].last;
    } catch (err) {
      await session.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }
  return removed;
}
