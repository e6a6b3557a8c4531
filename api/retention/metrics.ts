import { Counter, Gauge, type Registry } from 'prom-client';
import type { Pool } from 'pg';
import { EVENT_TABLES } from './partitions';

/** The tables retention prunes, as `table` label values. */
export type PrunedTable = 'authorization_evaluations' | 'audit_events' | 'deliveries' | 'delivery_attempts' | 'idempotency_keys';

export interface RetentionSettings {
  /** CF_RETENTION_AUDIT_EVENTS, ms. */
  auditEventsMs: number;
  /** CF_RETENTION_AUTHORIZATION_EVALUATIONS, ms. */
  evaluationsMs: number;
  /** CF_RETENTION_DELIVERIES (finished deliveries and their attempts), ms. */
  deliveriesMs: number;
  /** CF_RETENTION_SWEEP_INTERVAL, ms. */
  sweepIntervalMs: number;
}

/**
 * Retention metrics. Rows pruned and sweeps are counted by the process that swept; everything read from the
 * database (oldest rows, the last sweep, partitions) is the same in every process, so any replica can be
 * scraped for it and alerts should aggregate with max().
 */
export class RetentionMetrics {
  readonly pruned: Counter<'table'>;
  readonly sweeps: Counter<'outcome'>;

  constructor(registry: Registry, pool: Pool, settings: RetentionSettings) {
    this.pruned = new Counter({
      name: 'cf_retention_rows_pruned_total',
      help: 'Rows removed by retention in this process, by table (a dropped partition counts its rows).',
      labelNames: ['table'],
      registers: [registry],
    });
    this.sweeps = new Counter({
      name: 'cf_retention_sweeps_total',
      help: 'Retention sweeps started by this process, by outcome: completed, skipped (another process held the sweep lock), failed, stopped (shutdown).',
      labelNames: ['outcome'],
      registers: [registry],
    });
    const retention = new Gauge({
      name: 'cf_retention_seconds',
      help: 'Configured retention, seconds, by table (CF_RETENTION_*).',
      labelNames: ['table'],
      registers: [registry],
    });
    retention.set({ table: 'audit_events' }, settings.auditEventsMs / 1000);
    retention.set({ table: 'authorization_evaluations' }, settings.evaluationsMs / 1000);
    retention.set({ table: 'deliveries' }, settings.deliveriesMs / 1000);
    retention.set({ table: 'delivery_attempts' }, settings.deliveriesMs / 1000);
    new Gauge({ name: 'cf_retention_sweep_interval_seconds', help: 'Configured time between sweeps (CF_RETENTION_SWEEP_INTERVAL), seconds.', registers: [registry] }).set(
      settings.sweepIntervalMs / 1000,
    );

    let snapshot: Promise<Snapshot> | undefined;
    const read = () => (snapshot ??= readSnapshot(pool).finally(() => setTimeout(() => (snapshot = undefined), 100).unref()));
    new Gauge({
      name: 'cf_retention_oldest_row_age_seconds',
      help: 'Age of the oldest row, seconds, by table (0 when empty). Pending deliveries and their events stay past retention.',
      labelNames: ['table'],
      registers: [registry],
      async collect() {
        for (const [table, age] of Object.entries((await read()).oldest)) this.set({ table }, age);
      },
    });
    new Gauge({
      name: 'cf_retention_partitions',
      help: 'Time partitions of an event table (past, current and made ahead).',
      labelNames: ['table'],
      registers: [registry],
      async collect() {
        for (const [table, n] of Object.entries((await read()).partitions)) this.set({ table }, n);
      },
    });
    new Gauge({
      name: 'cf_retention_last_sweep_timestamp_seconds',
      help: 'When the last completed sweep finished (Unix seconds, any process); 0 before the first.',
      registers: [registry],
      async collect() {
        this.set((await read()).lastFinished);
      },
    });
    new Gauge({
      name: 'cf_retention_last_sweep_duration_seconds',
      help: 'How long the last completed sweep took, seconds (any process).',
      registers: [registry],
      async collect() {
        this.set((await read()).lastDuration);
      },
    });
  }
}

interface Snapshot {
  oldest: Record<string, number>;
  partitions: Record<string, number>;
  lastFinished: number;
  lastDuration: number;
}

/**
 * One round trip, each part an index probe: the event tables' time indexes (the first entry of each partition's),
 * the deliveries' and attempts' primary keys (KSUIDs, which sort by time).
 */
async function readSnapshot(pool: Pool): Promise<Snapshot> {
  const { rows } = await pool.query<{
    evaluations: number | null;
    audit: number | null;
    deliveries: number | null;
    attempts: number | null;
    evaluation_parts: number;
    audit_parts: number;
    finished: number | null;
    duration: number | null;
  }>(
    `SELECT extract(epoch FROM now() - (SELECT min(evaluated_at) FROM authorization_evaluations))::float8 AS evaluations,
            extract(epoch FROM now() - (SELECT min(occurred_at) FROM audit_events))::float8 AS audit,
            extract(epoch FROM now() - (SELECT created_at FROM deliveries ORDER BY id LIMIT 1))::float8 AS deliveries,
            extract(epoch FROM now() - (SELECT attempted_at FROM delivery_attempts ORDER BY id LIMIT 1))::float8 AS attempts,
            (SELECT count(*)::int FROM pg_inherits WHERE inhparent = $1::regclass) AS evaluation_parts,
            (SELECT count(*)::int FROM pg_inherits WHERE inhparent = $2::regclass) AS audit_parts,
            extract(epoch FROM s.finished_at)::float8 AS finished, s.duration_ms / 1000.0 AS duration
     FROM (SELECT 1) one LEFT JOIN retention_sweeps s ON s.name = 'sweep'`,
    [EVENT_TABLES.evaluations.name, EVENT_TABLES.auditEvents.name],
  );
  const r = rows[0];
  return {
    oldest: {
      authorization_evaluations: Math.max(0, r.evaluations ?? 0),
      audit_events: Math.max(0, r.audit ?? 0),
      deliveries: Math.max(0, r.deliveries ?? 0),
      delivery_attempts: Math.max(0, r.attempts ?? 0),
    },
    partitions: { authorization_evaluations: r.evaluation_parts, audit_events: r.audit_parts },
    lastFinished: r.finished ?? 0,
    lastDuration: Number(r.duration ?? 0),
  };
}
