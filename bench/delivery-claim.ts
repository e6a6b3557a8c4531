import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Pool } from 'pg';
import { claimStatement, NEXT_DUE_SQL } from '../api/delivery/queue';
import { startEmbeddedPostgres } from '../api/db/embedded';
import { migrate } from '../api/db/migrate';
import { median, recordSection } from './support';

/**
 * `npx tsx bench/delivery-claim.ts`: the claim statement at scale — 1,000 integrations and 1,000,000 pending
 * deliveries (1,000 each; 90 % due, 10 % waiting for a retry), and 10 × 2,000 — timed with EXPLAIN (ANALYZE, BUFFERS) inside a
 * transaction that is rolled back, so every run sees the same queue. Beside it, on the same data in the same
 * run, the statements they replace (commit 0de1507: the globally oldest rows, and a scan for the next due time).
 * Writes the "Delivery: claim at scale" section of bench/README.md.
 */
/** The scales measured: the issue's, and a small one (a few busy destinations) for what the claim costs there. */
const SCALES = [
  { integrations: 10, perIntegration: 2000 },
  { integrations: Number(process.env.BENCH_INTEGRATIONS ?? 1000), perIntegration: Number(process.env.BENCH_PER_INTEGRATION ?? 1000) },
];
const RUNS = 7;

/** The claim before this change (0de1507), for the baseline. */
const OLD_CLAIM = `WITH cand AS (
   SELECT w.id AS iid, coalesce(b.free, $2::int) AS free
   FROM webhook_integrations w LEFT JOIN unnest($3::text[], $4::int[]) AS b(iid, free) ON b.iid = w.id
   WHERE w.status <> 'DISABLED'
 ), due AS (
   SELECT x.id FROM cand CROSS JOIN LATERAL (
     SELECT d.id, d.next_attempt_at FROM deliveries d
     WHERE d.integration_id = cand.iid AND d.status = 'PENDING' AND d.next_attempt_at <= now()
       AND (d.lease_expires_at IS NULL OR d.lease_expires_at <= now())
     ORDER BY d.next_attempt_at
     LIMIT cand.free
     FOR UPDATE SKIP LOCKED
   ) x
   WHERE cand.free > 0
   ORDER BY x.next_attempt_at
   LIMIT $1
 ), claimed AS (
   UPDATE deliveries d SET lease_expires_at = now() + $5::int * interval '1 millisecond', leased_by = $6
   WHERE d.id = ANY (ARRAY(SELECT id FROM due))
   RETURNING d.id, d.integration_id, d.event_kind, d.event_id, d.attempts
 )
 SELECT c.id, c.integration_id, c.event_id, c.attempts, w.url, w.headers, w.signing_secret,
        CASE WHEN w.previous_secret_expires_at > now() THEN w.previous_signing_secret END AS previous_secret,
        CASE c.event_kind
          WHEN 'AUDIT' THEN (SELECT a.payload::text FROM audit_events a WHERE a.id = c.event_id)
          ELSE (SELECT e.payload::text FROM authorization_evaluations e WHERE e.id = c.event_id)
        END AS body
 FROM claimed c
 JOIN webhook_integrations w ON w.id = c.integration_id`;
const OLD_NEXT_DUE = `SELECT extract(epoch FROM min(next_attempt_at) - now())::float8 * 1000 AS ms
 FROM deliveries WHERE status = 'PENDING' AND next_attempt_at > now()`;

async function seed(pool: Pool, integrations: number, perIntegration: number): Promise<void> {
  await pool.query('DELETE FROM webhook_integrations');
  await pool.query('DELETE FROM audit_events');
  const pad = (expr: string) => `lpad((${expr})::text, 27, '0')`;
  await pool.query(
    `INSERT INTO webhook_integrations (id, name, url, send_audit_log_events, signing_secret, headers)
     SELECT 'whk_' || ${pad('i')}, 'bench', 'https://hooks.example.test/' || i, true, 'whsec_x', '[{"key":"X-Bench","value":"1"}]'
     FROM generate_series(1, $1::int) i`,
    [integrations],
  );
  await pool.query(
    `INSERT INTO audit_events (id, action, payload, occurred_at)
     SELECT 'evt_' || ${pad('j')}, 'grant.requested', json_build_object('id', 'evt_' || ${pad('j')}, 'action', 'grant.requested'), now()
     FROM generate_series(1, $1::int) j`,
    [perIntegration],
  );
  // In chunks of 100 integrations (100,000 rows a statement).
  for (let from = 1; from <= integrations; from += 100) {
    await pool.query(
      `INSERT INTO deliveries (id, integration_id, event_kind, event_id, next_attempt_at, created_at)
       SELECT 'dlv_' || ${pad('i::bigint * 1000000 + j')}, 'whk_' || ${pad('i')}, 'AUDIT', 'evt_' || ${pad('j')},
              CASE WHEN j % 10 = 0 THEN now() + random() * interval '1 hour' ELSE now() - random() * interval '1 hour' END,
              now() - interval '1 hour'
       FROM generate_series($1::int, $2::int) i CROSS JOIN generate_series(1, $3::int) j`,
      [from, Math.min(integrations, from + 99), perIntegration],
    );
  }
  await pool.query('VACUUM ANALYZE');
}

/** Median execution time (ms) of EXPLAIN ANALYZE over RUNS runs, each rolled back, and the rows it returned. */
async function explain(pool: Pool, text: string, values: unknown[]): Promise<{ ms: number; rows: number; buffers: number }> {
  const client = await pool.connect();
  const times: number[] = [];
  let rows = 0;
  let buffers = 0;
  try {
    for (let i = 0; i < RUNS; i++) {
      await client.query('BEGIN');
      const { rows: plan } = await client.query<{ 'QUERY PLAN': Array<{ Plan: { 'Actual Rows': number; 'Shared Hit Blocks': number; 'Shared Read Blocks': number }; 'Execution Time': number }> }>(
        `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${text}`,
        values,
      );
      await client.query('ROLLBACK');
      const top = plan[0]['QUERY PLAN'][0];
      times.push(top['Execution Time']);
      rows = top.Plan['Actual Rows'];
      buffers = top.Plan['Shared Hit Blocks'] + top.Plan['Shared Read Blocks'];
    }
  } finally {
    client.release();
  }
  return { ms: median(times), rows, buffers };
}

async function main(): Promise<void> {
  const loadBefore = loadavg()[0];
  // A cluster of its own, removed afterwards (a million rows take over a gigabyte).
  const dataDir = mkdtempSync(join(tmpdir(), 'cf-bench-claim-'));
  const pg = await startEmbeddedPostgres(dataDir, pino({ level: 'warn' }));
  const pool = new Pool({ connectionString: pg.url, max: 2 });
  try {
    await migrate(pool, pino({ level: 'warn' }));
    const results: Array<[string, { ms: number; rows: number; buffers: number }]> = [];
    for (const { integrations, perIntegration } of SCALES) {
      const t = Date.now();
      await seed(pool, integrations, perIntegration);
      const scale = `${integrations.toLocaleString('en')} × ${perIntegration.toLocaleString('en')}`;
      process.stdout.write(`seeded ${scale} deliveries in ${((Date.now() - t) / 1000).toFixed(0)} s\n`);
      const ids = (await pool.query<{ id: string }>('SELECT id FROM webhook_integrations ORDER BY id')).rows.map((r) => r.id);
      const knowsAll = new Map(ids.map((id) => [id, 96]));
      const knowsTen = new Map(ids.slice(0, 10).map((id) => [id, 96]));
      const claim = (known: Map<string, number>, newcomer: number) => claimStatement({ workerId: 'bench', limit: 256, newcomer, known, leaseMs: 25_000 });
      const old = (busy: Map<string, number>) => [256, 96, [...busy.keys()], [...busy.values()], 25_000, 'bench'];
      const run = async (label: string, text: string, values: unknown[]) => {
        const r = await explain(pool, text, values);
        results.push([`${scale}: ${label}`, r]);
        process.stdout.write(`${scale}: ${label}: ${r.ms.toFixed(1)} ms, ${r.rows} rows\n`);
      };
      const fresh = claim(new Map(), 1);
      await run('claim, a worker that knows no integration yet (1 row each)', fresh.text, fresh.values);
      const ten = claim(knowsTen, 1);
      await run('claim, a worker that holds 10 proven integrations (96 free each)', ten.text, ten.values);
      if (integrations > 10) {
        const all = claim(knowsAll, 1);
        await run(`claim, a worker that knows all ${integrations.toLocaleString('en')} (96 free each)`, all.text, all.values);
      }
      await run('previous claim (0de1507), nothing in flight', OLD_CLAIM, old(new Map()));
      await run(`previous claim (0de1507), all ${integrations.toLocaleString('en')} busy (96 free each)`, OLD_CLAIM, old(knowsAll));
      await run('next due time (per integration, through the queue index)', NEXT_DUE_SQL, []);
      await run('previous next due time (0de1507, one scan of the pending rows)', OLD_NEXT_DUE, []);
    }
    const lines = ['| statement | execution time (median of 7) | rows | buffers |', '|---|---|---|---|'];
    for (const [label, r] of results) {
      lines.push(`| ${label} | ${r.ms.toFixed(1)} ms | ${r.rows} | ${r.buffers} |`);
    }
    const body = `\`npx tsx bench/delivery-claim.ts\` — integrations × pending deliveries each (90 % due, 10 % waiting for a retry), PostgreSQL 18 embedded, EXPLAIN (ANALYZE, BUFFERS) in a rolled-back transaction (so every run sees the same queue), batch of 256; "previous" is the statement this one replaced, on the same data in the same run. Last run ${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores, load average ${loadBefore.toFixed(1)} → ${loadavg()[0].toFixed(1)}.

${lines.join('\n')}`;
    process.stdout.write(`\n${body}\n`);
    recordSection('Delivery: claim at scale', body);
  } finally {
    await pool.end();
    await pg.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
