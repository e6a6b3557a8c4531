import * as os from 'node:os';
import { Pool } from 'pg';
import { connectDatabase } from '../api/db/client';
import { benchDatabase, median, recordSection } from './support';

/**
 * `npx tsx bench/db-driver.ts`: what the outage-aware pool (api/db/driver.ts: an 'error' listener on every
 * client, codes for pg's codeless failures, connect events) costs per query, against pg's own Pool in the same
 * run. Both run the same one-row statement from 10 concurrent callers over 10 connections; rounds alternate so
 * that load from other processes falls on both alike. Prints the medians of the rounds: throughput, and this
 * process's CPU time per query (the driver's side, where the wrapper runs; less disturbed by other processes).
 */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const QUERIES = Number(process.env.BENCH_QUERIES ?? 20_000);
const CONCURRENCY = 10;

interface Round {
  qps: number;
  cpuUs: number;
}

async function run(pool: Pool): Promise<Round> {
  let next = 0;
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < QUERIES) await pool.query('SELECT $1::int AS n', [next++]);
    }),
  );
  const used = process.cpuUsage(cpu);
  return { qps: QUERIES / (Number(process.hrtime.bigint() - started) / 1e9), cpuUs: (used.user + used.system) / QUERIES };
}

async function main(): Promise<void> {
  const db = await benchDatabase('cf_bench_driver');
  const plain = new Pool({ connectionString: db.url, max: CONCURRENCY });
  const ours = connectDatabase(db.url, CONCURRENCY);
  await run(plain); // warm-up: connections, JIT
  await run(ours.pool);
  const figures = { plain: [] as Round[], ours: [] as Round[] };
  for (let i = 0; i < ROUNDS; i++) {
    figures.plain.push(await run(plain));
    figures.ours.push(await run(ours.pool));
  }
  await plain.end();
  await ours.close();
  await db.stop();
  const row = (name: string, rounds: Round[]) =>
    `| ${name} | ${median(rounds.map((r) => r.qps)).toFixed(0)} | ${median(rounds.map((r) => r.cpuUs)).toFixed(1)} |`;
  const table = [
    `| pool | queries/s (median of ${ROUNDS}) | client CPU µs per query (median) |`,
    '|---|---|---|',
    row('pg Pool (baseline)', figures.plain),
    row('OutageAwarePool (api/db/driver.ts)', figures.ours),
  ].join('\n');
  const show = (rounds: Round[]) => rounds.map((r) => `${r.qps.toFixed(0)}/${r.cpuUs.toFixed(0)}`).join(' ');
  const rounds = `Rounds (queries/s / CPU µs): pg Pool ${show(figures.plain)}; OutageAwarePool ${show(figures.ours)}.`;
  console.log(`${table}\n${rounds}`);
  recordSection(
    'Database driver',
    `\`npx tsx bench/db-driver.ts\` — what the outage-aware pool (an 'error' listener on every client, codes for pg's codeless connection failures, connect events for the database's health) costs per query against pg's own Pool: ${QUERIES} one-row statements from ${CONCURRENCY} callers over ${CONCURRENCY} connections per round, rounds alternating, same embedded PostgreSQL 18. Client CPU is this process's CPU time per query, the side where the wrapper runs and less disturbed by other processes than throughput.\n\nLast run (${new Date().toISOString().slice(0, 10)}, 2 cores, load average ${os.loadavg()[0].toFixed(1)} at the end):\n\n${table}\n\n${rounds}\n`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
