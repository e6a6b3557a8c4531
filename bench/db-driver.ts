import { Pool } from 'pg';
import { connectDatabase } from '../api/db/client';
import { benchDatabase } from './support';

/**
 * `npx tsx bench/db-driver.ts`: what the outage-aware pool (api/db/driver.ts: an 'error' listener on every
 * client, codes for pg's codeless failures, connect events) costs per query, against pg's own Pool in the same
 * run. Both run the same one-row statement from 10 concurrent callers over 10 connections; rounds alternate so
 * that load from other processes falls on both alike. Prints the median of the rounds.
 */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const QUERIES = Number(process.env.BENCH_QUERIES ?? 20_000);
const CONCURRENCY = 10;

async function run(pool: Pool): Promise<number> {
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < QUERIES) await pool.query('SELECT $1::int AS n', [next++]);
    }),
  );
  return QUERIES / (Number(process.hrtime.bigint() - started) / 1e9);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const db = await benchDatabase('cf_bench_driver');
  const plain = new Pool({ connectionString: db.url, max: CONCURRENCY });
  const ours = connectDatabase(db.url, CONCURRENCY);
  await run(plain); // warm-up: connections, JIT
  await run(ours.pool);
  const figures = { plain: [] as number[], ours: [] as number[] };
  for (let i = 0; i < ROUNDS; i++) {
    figures.plain.push(await run(plain));
    figures.ours.push(await run(ours.pool));
  }
  await plain.end();
  await ours.close();
  await db.stop();
  const p = median(figures.plain);
  const o = median(figures.ours);
  console.log('| pool | queries/s (median of ' + ROUNDS + ') | per query µs |');
  console.log('|---|---|---|');
  console.log(`| pg Pool (baseline) | ${p.toFixed(0)} | ${(1e6 / p).toFixed(1)} |`);
  console.log(`| OutageAwarePool | ${o.toFixed(0)} | ${(1e6 / o).toFixed(1)} |`);
  console.log(`ratio ${(o / p).toFixed(3)}; rounds plain ${figures.plain.map((x) => x.toFixed(0)).join(' ')}; ours ${figures.ours.map((x) => x.toFixed(0)).join(' ')}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
