import type { Pool, PoolClient } from 'pg';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { pruneIdempotencyKeys } from '../idempotency/store';
import { pruneFinishedDeliveries } from './deliveries';
import { LOCKS } from './locks';
import { RetentionMetrics, type PrunedTable, type RetentionSettings } from './metrics';
import { dropExpiredPartitions, ensureEventPartitions, partitionPlan, type PartitionPlan } from './partitions';

export interface SweeperOptions {
  pool: Pool;
  log: Logger;
  /** Where the retention metrics are registered. */
  registry: Registry;
  settings: RetentionSettings;
  /** Rows per DELETE statement. Default 1000. */
  batchSize?: number;
}

export interface SweepReport {
  /** skipped: another process held the sweep lock. stopped: the service began to stop part-way. */
  outcome: 'completed' | 'skipped' | 'stopped';
  pruned: Partial<Record<PrunedTable, number>>;
  durationMs: number;
}

/**
 * The retention sweeper. Every process runs one; they take turns through a session advisory lock (LOCKS.SWEEP),
 * so at most one sweeps at a time and the others skip that turn.
 *
 * Two duties, on two timers:
 * - partitions ahead (every process, every `ensureEveryMs`): the event tables' partitions must always cover
 *   the ids being made, or storing an event would fail. Cheap when nothing is missing.
 * - the sweep (every CF_RETENTION_SWEEP_INTERVAL, the first 10 s after start or sooner): drop event partitions
 *   past retention (or, where a pending delivery pins one, delete its other rows in batches), then delete
 *   finished deliveries and their attempts, and expired idempotency keys, `batchSize` rows per statement. No
 *   statement holds more than one batch of row locks, and none takes a lock that waits for reads or writes.
 *
 * The state a process is in: idle (timers set) → sweeping (holding LOCKS.SWEEP on `session`) → idle; stop() ends
 * the timers and lets a sweep in progress finish its current batch.
 */
export class Sweeper {
  readonly metrics: RetentionMetrics;
  private readonly batchSize: number;
  private readonly plan: PartitionPlan;
  private sweepTimer?: NodeJS.Timeout;
  private ensureTimer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private stopping = false;

  constructor(private readonly o: SweeperOptions) {
    this.metrics = new RetentionMetrics(o.registry, o.pool, o.settings);
    this.batchSize = o.batchSize ?? 1000;
    this.plan = partitionPlan(o.settings);
  }

  /** Makes the partitions the next `ahead` needs; the service calls it before it stores anything. */
  async ensurePartitions(now = new Date()): Promise<number> {
    const created = await ensureEventPartitions(this.o.pool, this.plan, now);
    if (created > 0) this.o.log.debug({ created }, 'event partitions created ahead');
    return created;
  }

  start(): void {
    const every = this.o.settings.sweepIntervalMs;
    const first = Math.min(every, 10_000);
    this.ensureTimer = setInterval(() => {
      this.ensurePartitions().catch((err) => this.o.log.warn({ err }, 'creating event partitions ahead failed; retrying on the next round'));
    }, this.plan.ensureEveryMs).unref();
    const tick = () => {
      this.sweepTimer = setTimeout(() => {
        this.sweepOnce()
          .catch(() => undefined) // logged and counted by sweepOnce
          .finally(() => {
            if (!this.stopping) tick();
          });
      }, this.sweepTimer ? every : first).unref();
    };
    tick();
  }

  /** Ends the timers; a sweep in progress stops after its current batch. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.sweepTimer);
    clearInterval(this.ensureTimer);
    await this.running?.catch(() => undefined);
  }

  /** One sweep now, if no other process is sweeping. Tests and benchmarks call it directly. */
  sweepOnce(now = new Date()): Promise<SweepReport> {
    const run = this.sweep(now);
    this.running = run;
    return run;
  }

  private async sweep(now: Date): Promise<SweepReport> {
    const started = Date.now();
    const session = await this.o.pool.connect();
    let broken = false;
    const onError = () => (broken = true);
    session.on('error', onError);
    let locked = false;
    try {
      const { rows } = await session.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [LOCKS.SWEEP.toString()]);
      locked = rows[0].locked;
      if (!locked) {
        this.metrics.sweeps.inc({ outcome: 'skipped' });
        return { outcome: 'skipped', pruned: {}, durationMs: Date.now() - started };
      }
      await session.query(
        `INSERT INTO retention_sweeps (name, started_at) VALUES ('sweep', now())
         ON CONFLICT (name) DO UPDATE SET started_at = now()`,
      );
      const pruned = await this.prune(session, now);
      const durationMs = Date.now() - started;
      const outcome = this.stopping ? 'stopped' : 'completed';
      if (outcome === 'completed') {
        await session.query(`UPDATE retention_sweeps SET finished_at = now(), duration_ms = $1, pruned = $2 WHERE name = 'sweep'`, [durationMs, JSON.stringify(pruned)]);
      }
      this.metrics.sweeps.inc({ outcome });
      this.o.log.info({ pruned, duration_ms: durationMs, outcome }, 'retention sweep');
      return { outcome, pruned, durationMs };
    } catch (err) {
      this.metrics.sweeps.inc({ outcome: 'failed' });
      this.o.log.warn({ err }, 'retention sweep failed; the next one starts over');
      throw err;
    } finally {
      if (locked && !broken) await session.query('SELECT pg_advisory_unlock($1)', [LOCKS.SWEEP.toString()]).catch(() => (broken = true));
      session.off('error', onError);
      // A broken connection is discarded: the server ended its session, which released the lock.
      session.release(broken);
    }
  }

  private async prune(session: PoolClient, now: Date): Promise<SweepReport['pruned']> {
    const pruned: SweepReport['pruned'] = {};
    const add = (table: PrunedTable, n: number) => {
      pruned[table] = (pruned[table] ?? 0) + n;
      if (n > 0) this.metrics.pruned.inc({ table }, n);
    };
    const stopping = () => this.stopping;
    for (const t of this.plan.tables) {
      const cutoff = new Date(now.getTime() - t.retentionMs);
      add(t.table.name, await dropExpiredPartitions(session, t.table, { cutoff, batchSize: this.batchSize, stopping }));
    }
    const deliveriesCutoff = new Date(now.getTime() - this.o.settings.deliveriesMs);
    add('deliveries', 0);
    add('delivery_attempts', 0);
    while (!this.stopping) {
      const r = await pruneFinishedDeliveries(session, deliveriesCutoff, this.batchSize);
      add('deliveries', r.deliveries);
      add('delivery_attempts', r.attempts);
      if (r.deliveries < this.batchSize) break;
    }
    add('idempotency_keys', 0);
    while (!this.stopping) {
      const n = await pruneIdempotencyKeys(session, this.batchSize);
      add('idempotency_keys', n);
      if (n < this.batchSize) break;
    }
    return pruned;
  }
}
