import * as os from 'node:os';
import pino from 'pino';
import { connectDatabase } from '../api/db/client';
import { migrate } from '../api/db/migrate';
import { integrationStats, statsSummary } from '../api/delivery-stats/store';
import { listDeliveries } from '../api/delivery/store';
import { benchDatabase, median, recordSection } from './support';

/**
 * `npm run bench:stats`: the dashboard's statistics queries (api/delivery-stats/store.ts) on tables of a busy
 * deployment's size — by default 1,000 integrations, 2,000,000 deliveries over 30 days with 2,400,000 attempts, of
 * which 100,000 in the last hour (28/s), 5,000 of those to the integration whose chart is drawn. Baseline in the
 * same run: the first page of that integration's deliveries (GET …/deliveries), which the same view loads. Each
 * query is also run without `delivery_attempts_attempted_at_idx` (dropped inside a transaction that is rolled
 * back) to show what the index buys. Rounds alternate between the queries, so load from other processes falls
 * on all of them alike.
 */
const INTEGRATIONS = Number(process.env.BENCH_INTEGRATIONS ?? 1000);
const DELIVERIES = Number(process.env.BENCH_DELIVERIES ?? 2_000_000);
const RECENT = Number(process.env.BENCH_RECENT_ATTEMPTS ?? 100_000);
const TARGET_RECENT = Number(process.env.BENCH_TARGET_RECENT_ATTEMPTS ?? 5000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

async function main(): Promise<void> {
  const db = await benchDatabase('cf_bench_stats');
  const { pool } = connectDatabase(db.url, 4);
  const log = pino({ level: 'warn' });
  await migrate(pool, log);
  const t0 = Date.now();
  // Integrations whk_bench_0000 … (ids need only be unique here), the target first.
  await pool.query(
    `INSERT INTO webhook_integrations (id, name, url, signing_secret)
     SELECT 'whk_' || lpad(n::text, 27, '0'), 'bench ' || n, 'https://example.com/' || n, 'whsec_x' FROM generate_series(0, $1 - 1) n`,
    [INTEGRATIONS],
  );
  const target = `whk_${'0'.repeat(27)}`;
  // Old deliveries spread over 30 days, one attempt each and a retry for every fifth; then the last hour's.
  const old = DELIVERIES - RECENT;
  await pool.query(
    `INSERT INTO deliveries (id, integration_id, event_kind, event_id, status, attempts, created_at, updated_at)
     SELECT 'dlv_' || lpad(n::text, 27, '0'), 'whk_' || lpad((n % $2)::text, 27, '0'), 'AUDIT', 'evt_x', 'SUCCEEDED', 1,
            now() - interval '30 days' + (n::float8 / $1) * (interval '30 days' - interval '1 hour'), now()
     FROM generate_series(0, $1 - 1) n`,
    [old, INTEGRATIONS],
  );
  await pool.query(
    `INSERT INTO delivery_attempts (id, delivery_id, attempted_at, status_code, duration_ms)
     SELECT 'att_' || lpad(n::text, 26, '0') || k, 'dlv_' || lpad(n::text, 27, '0'), d.created_at + k * interval '5 seconds',
            CASE WHEN n % 50 = 0 THEN 500 ELSE 200 END, 20 + (n % 180)
     FROM generate_series(0, $1 - 1) n JOIN deliveries d ON d.id = 'dlv_' || lpad(n::text, 27, '0'),
          generate_series(0, CASE WHEN n % 5 = 0 THEN 1 ELSE 0 END) k`,
    [old],
  );
  // The last hour: TARGET_RECENT attempts to the target, the rest spread over the others.
  await pool.query(
    `INSERT INTO deliveries (id, integration_id, event_kind, event_id, status, attempts, created_at, updated_at)
     SELECT 'dlv_r' || lpad(n::text, 26, '0'),
            CASE WHEN n < $2 THEN $3 ELSE 'whk_' || lpad((1 + n % ($4 - 1))::text, 27, '0') END,
            'AUDIT', 'evt_x', 'SUCCEEDED', 1, now() - (n::float8 / $1) * interval '59 minutes', now()
     FROM generate_series(0, $1 - 1) n`,
    [RECENT, TARGET_RECENT, target, INTEGRATIONS],
  );
  await pool.query(
    `INSERT INTO delivery_attempts (id, delivery_id, attempted_at, status_code, duration_ms)
     SELECT 'att_r' || lpad(n::text, 26, '0'), 'dlv_r' || lpad(n::text, 26, '0'), now() - (n::float8 / $1) * interval '59 minutes',
            CASE WHEN n % 40 = 0 THEN NULL WHEN n % 25 = 0 THEN 503 ELSE 200 END, 20 + (n % 300)
     FROM generate_series(0, $1 - 1) n`,
    [RECENT],
  );
  await pool.query('VACUUM ANALYZE deliveries');
  await pool.query('VACUUM ANALYZE delivery_attempts');
  const { rows: size } = await pool.query<{ attempts: string; deliveries: string }>(
    `SELECT (SELECT count(*) FROM delivery_attempts) AS attempts, (SELECT count(*) FROM deliveries) AS deliveries`,
  );
  const loadSeconds = ((Date.now() - t0) / 1000).toFixed(0);

  const check = await integrationStats(pool, target, 60);
  if (check.totals.attempts < TARGET_RECENT * 0.95) throw new Error(`expected ~${TARGET_RECENT} attempts in the window, got ${check.totals.attempts}`);

  /** Runs `work` with the attempt-time index dropped, in a transaction that is rolled back. */
  const withoutIndex = async (work: (q: import('pg').PoolClient) => Promise<unknown>) => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('DROP INDEX delivery_attempts_attempted_at_idx');
      return await timed(() => work(client));
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  };
  const subjects: Array<{ name: string; run: () => Promise<number> }> = [
    { name: 'deliveries page (baseline: GET …/deliveries, 25 rows)', run: () => timed(() => listDeliveries(pool, target, { size: 25 })) },
    { name: 'one integration, 60 minutes (GET …/{id}/delivery-stats)', run: () => timed(() => integrationStats(pool, target, 60)) },
    { name: 'every integration, 60 minutes (GET /v1/delivery-stats)', run: () => timed(() => statsSummary(pool, 60)) },
    {
      name: 'every integration, as a join (the plan not taken)',
      run: () =>
        timed(() =>
          pool.query(`SELECT d.integration_id, count(DISTINCT a.delivery_id), count(*), count(*) FILTER (WHERE a.status_code BETWEEN 200 AND 299)
            FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id
            WHERE a.attempted_at >= date_trunc('minute', now()) - interval '59 minutes' GROUP BY 1`),
        ),
    },
    { name: 'one integration, 60 minutes, without the index', run: () => withoutIndex((c) => integrationStats(c, target, 60)) },
    { name: 'every integration, 60 minutes, without the index', run: () => withoutIndex((c) => statsSummary(c, 60)) },
  ];
  // What an integration id on each attempt row would give (the worker writes those rows): the same two queries on
  // an index of (integration, time) and of (time) covering the integration. Built on the window's rows only.
  const withIid = async () => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('ALTER TABLE delivery_attempts ADD COLUMN iid text');
      await client.query(
        `UPDATE delivery_attempts a SET iid = d.integration_id FROM deliveries d WHERE d.id = a.delivery_id AND a.attempted_at >= now() - interval '2 hours'`,
      );
      await client.query('CREATE INDEX ON delivery_attempts (iid, attempted_at) INCLUDE (status_code, duration_ms, delivery_id)');
      await client.query('CREATE INDEX ON delivery_attempts (attempted_at) INCLUDE (iid, status_code, delivery_id)');
      await client.query('ANALYZE delivery_attempts');
      const window = `attempted_at >= date_trunc('minute', now()) - interval '59 minutes'`;
      const one = await timed(() =>
        client.query(
          `SELECT date_bin('1 minute', attempted_at, now()), count(*), percentile_cont(0.99) WITHIN GROUP (ORDER BY duration_ms) FROM delivery_attempts WHERE iid = $1 AND ${window} GROUP BY 1`,
          [target],
        ),
      );
      const every = await timed(() =>
        client.query(`SELECT iid, count(DISTINCT delivery_id), count(*), count(*) FILTER (WHERE status_code BETWEEN 200 AND 299) FROM delivery_attempts WHERE ${window} GROUP BY 1`),
      );
      return { one, every };
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  };
  for (const s of subjects) await s.run(); // warm-up: plans, caches
  const times = subjects.map(() => [] as number[]);
  for (let r = 0; r < ROUNDS; r++) for (const [i, s] of subjects.entries()) times[i].push(await s.run());
  const explain = async (sql: string, values: unknown[]) =>
    (await pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ${sql}`, values)).rows
      .map((p) => p['QUERY PLAN'])
      .join('\n');
  const windowSql = `date_trunc('minute', now()) - interval '59 minutes'`;
  const onePlan = await explain(
    `SELECT count(*) FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id WHERE a.attempted_at >= ${windowSql} AND d.integration_id = $1`,
    [target],
  );
  const everyPlan = await explain(
    `SELECT iid, count(*) FROM (SELECT (SELECT d.integration_id FROM deliveries d WHERE d.id = a.delivery_id) AS iid FROM delivery_attempts a
     WHERE a.attempted_at >= ${windowSql}) x GROUP BY 1`,
    [],
  );
  // Last: its rolled-back UPDATE leaves dead row versions in the attempt indexes.
  await withIid(); // warm-up
  const iid = { one: [] as number[], every: [] as number[] };
  for (let r = 0; r < Math.min(ROUNDS, 3); r++) {
    const t = await withIid();
    iid.one.push(t.one);
    iid.every.push(t.every);
  }
  const base = median(times[0]);
  const m = (i: number) => median(times[i]);
  const row = (name: string, m: number) => `| ${name} | ${m.toFixed(1)} ms | ${(m / base).toFixed(1)}× |`;
  const rows = [
    ...subjects.map((s, i) => row(s.name, median(times[i]))),
    row('one integration, with an integration id on each attempt (not built: the worker writes attempts)', median(iid.one)),
    row('every integration, with an integration id on each attempt (not built)', median(iid.every)),
  ];
  const table = ['| query | median | × baseline |', '| --- | --- | --- |', ...rows].join('\n');
  const body = `\`npm run bench:stats\` — the dashboard's statistics (api/delivery-stats/store.ts) on ${Number(size[0].deliveries).toLocaleString('en')} deliveries and ${Number(size[0].attempts).toLocaleString('en')} attempts over 30 days across ${INTEGRATIONS.toLocaleString('en')} integrations; ${RECENT.toLocaleString('en')} attempts in the last hour, ${TARGET_RECENT.toLocaleString('en')} of them to the integration charted. Median of ${ROUNDS} rounds, queries alternating; embedded PostgreSQL 18, 2 cores shared with other work (load average ${os.loadavg()[0].toFixed(1)} at the end; loading the tables took ${loadSeconds} s).

${table}

What this says. One integration's chart (polled every 10 s by an open page) costs ${m(1).toFixed(0)} ms, ${(m(1) / base).toFixed(0)}× the deliveries page the same view loads. The summary of every integration (the list's health columns) costs ${m(2).toFixed(0)} ms: it reads every attempt of the window across all integrations and looks up each one's delivery, so it grows with traffic in the window, not with retention; it is computed once per 10 s and shared by every caller. Its join form hashes the whole deliveries table (${m(3).toFixed(0)} ms here, growing with what retention keeps). Without \`delivery_attempts_attempted_at_idx\` the queries read every attempt kept (${m(5).toFixed(0)} ms for the summary on ${Number(size[0].attempts).toLocaleString('en')} attempts, and linear in that count). The floor is an integration id on each attempt row, which only the worker's INSERT can write (api/delivery/queue.ts): the summary would cost ${median(iid.every).toFixed(0)} ms (${(m(2) / median(iid.every)).toFixed(1)}× less), and one integration's query would no longer depend on how many deliveries it keeps.

The joins as planned with the index, one integration:

\`\`\`
${onePlan}
\`\`\`

and every integration:

\`\`\`
${everyPlan}
\`\`\`
`;
  console.log(body);
  if (process.env.BENCH_RECORD !== '0') recordSection('Dashboard statistics', body);
  await pool.end();
  if (process.env.BENCH_KEEP === '1') {
    console.log(`kept: ${db.url} (stop it with Ctrl-C)`);
    await new Promise(() => undefined);
  }
  await db.stop();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
