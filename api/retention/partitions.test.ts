import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Pool } from 'pg';
import { Registry } from 'prom-client';
import { createEmptyDatabase } from '../../test/support/database';
import { listMigrations, migrate, MIGRATIONS_DIR } from '../db/migrate';
import { ksuid } from '../ids';
import { EVENT_TABLES, ensureEventPartitions, listPartitions, partitionPlan } from './partitions';
import { Sweeper } from './sweeper';

const log = pino({ level: 'silent' });
const D = 86_400_000;
const settings = { auditEventsMs: 400 * D, evaluationsMs: 30 * D, deliveriesMs: 30 * D, sweepIntervalMs: 3_600_000 };
const THIS_MIGRATION = '20261201140000_data_lifecycle';

/** A migrations folder holding every migration before this one: a database as the previous release left it. */
function migrationsBefore(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'cf-migrations-'));
  for (const m of listMigrations().filter((x) => x.name < name)) {
    mkdirSync(join(dir, m.name));
    copyFileSync(join(MIGRATIONS_DIR, m.name, 'migration.sql'), join(dir, m.name, 'migration.sql'));
  }
  return dir;
}

describe('event partitions', () => {
  let pool: Pool;
  const old = { evaluation: `eval_${ksuid(new Date(Date.now() - 3 * D))}`, event: `evt_${ksuid(new Date(Date.now() - 3 * D))}` };

  beforeAll(async () => {
    pool = new Pool({ connectionString: await createEmptyDatabase(), max: 4 });
    await migrate(pool, log, migrationsBefore(THIS_MIGRATION));
    // Stored by the previous release, in the unpartitioned tables.
    await pool.query(`INSERT INTO authorization_evaluations (id, principal, action, allowed, payload, evaluated_at) VALUES ($1, 'p', 'a', true, '{"id":1}', now() - interval '3 days')`, [old.evaluation]);
    await pool.query(`INSERT INTO audit_events (id, action, payload, occurred_at) VALUES ($1, 'grant.requested', '{"id":2}', now() - interval '3 days')`, [old.event]);
    // This migration and any after it, this one first.
    expect(await migrate(pool, log)).toEqual(listMigrations().map((m) => m.name).filter((n) => n >= THIS_MIGRATION));
  });
  afterAll(() => pool?.end());

  test('upgrading keeps stored events: the old table becomes the first partition, up to its newest id', async () => {
    const evaluations = await listPartitions(pool, EVENT_TABLES.evaluations);
    expect(evaluations).toEqual([
      { name: 'authorization_evaluations_legacy', from: null, to: `${old.evaluation}~`, before: expect.any(Date), detachPending: false },
    ]);
    const { rows } = await pool.query('SELECT payload FROM authorization_evaluations WHERE id = $1', [old.evaluation]);
    expect(rows).toEqual([{ payload: { id: 1 } }]);
    expect((await pool.query('SELECT count(*)::int AS n FROM audit_events')).rows[0].n).toBe(1);
  });

  test('partitions are made from there to ahead of now, by several processes at once without clashing', async () => {
    const plan = partitionPlan(settings);
    const other = new Pool({ connectionString: (pool as unknown as { options: { connectionString: string } }).options.connectionString, max: 2 });
    try {
      const created = await Promise.all([ensureEventPartitions(pool, plan), ensureEventPartitions(other, plan)]);
      expect(created[0] + created[1]).toBeGreaterThan(0);
      expect(Math.min(...created)).toBe(0); // one decided, the other found nothing left to do
    } finally {
      await other.end();
    }
    const parts = await listPartitions(pool, EVENT_TABLES.evaluations);
    // Contiguous: each starts where the previous ends, and they reach four days ahead (daily for 30 d).
    for (let i = 1; i < parts.length; i++) expect(parts[i].from).toBe(parts[i - 1].to);
    expect(parts.at(-1)!.before.getTime()).toBeGreaterThanOrEqual(Date.now() + 4 * D - 1000);
    expect(await ensureEventPartitions(pool, plan)).toBe(0);

    // Each id lands in the partition of its time: now, tomorrow.
    for (const at of [new Date(), new Date(Date.now() + D)]) {
      const id = `eval_${ksuid(at)}`;
      await pool.query(`INSERT INTO authorization_evaluations (id, principal, action, allowed, payload, evaluated_at) VALUES ($1, 'p', 'a', true, '{}', $2)`, [id, at]);
      const { rows } = await pool.query<{ part: string }>('SELECT tableoid::regclass::text AS part FROM authorization_evaluations WHERE id = $1', [id]);
      const day = at.toISOString().slice(0, 10).replace(/-/g, '');
      expect(rows[0].part).toBe(`authorization_evaluations_p${day}t000000`);
    }
    // A lookup by id reads one partition only.
    const { rows: plan2 } = await pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN SELECT payload FROM authorization_evaluations WHERE id = '${old.evaluation}'`);
    expect(plan2.map((r) => r['QUERY PLAN']).join('\n')).toMatch(/^[^\n]*authorization_evaluations_legacy/);
    expect(plan2.map((r) => r['QUERY PLAN']).join('\n')).not.toMatch(/Append/);
  });

  test('a partition is dropped once its newest row is past retention, and only then', async () => {
    const sweeper = new Sweeper({ pool, log, registry: new Registry(), settings });
    const names = async () => (await listPartitions(pool, EVENT_TABLES.evaluations)).map((p) => p.name);
    await sweeper.sweepOnce(new Date(Date.now() + 26 * D)); // the old rows are 29 days old: kept
    expect(await names()).toContain('authorization_evaluations_legacy');
    const report = await sweeper.sweepOnce(new Date(Date.now() + 28 * D)); // 31 days: past retention
    expect(report.pruned.authorization_evaluations).toBe(1);
    expect(await names()).not.toContain('authorization_evaluations_legacy');
    expect((await pool.query('SELECT count(*)::int AS n FROM authorization_evaluations WHERE id = $1', [old.evaluation])).rows[0].n).toBe(0);
    // Audit events are kept 400 days.
    expect((await pool.query('SELECT count(*)::int AS n FROM audit_events')).rows[0].n).toBe(1);
    await sweeper.stop();
  });
});
