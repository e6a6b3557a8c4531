import autocannon from 'autocannon';
import pino from 'pino';
import { connectDatabase } from '../api/db/client';
import { migrate } from '../api/db/migrate';
import { benchDatabase, recordSection, spawnServer } from './support';

/**
 * `npm run bench:api`: GET one integration and POST create through the real API (authentication, Cedar, stored
 * evaluation, validation, Prisma) against a bare Express handler doing the same single pg statement, on the
 * same database in the same run. Each server runs in its own process; autocannon drives it from this one.
 */
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const API_KEY = 'bench-admin-key-0123456789abcdef';

interface Figures {
  rps: number;
  p99: number;
  errors: number;
}

async function load(url: string, opts: Partial<autocannon.Options>): Promise<Figures> {
  // A short warm-up so JIT and pool start-up do not count.
  await autocannon({ url, connections: CONNECTIONS, duration: 2, ...opts });
  const r = await autocannon({ url, connections: CONNECTIONS, duration: DURATION, ...opts });
  return { rps: r.requests.average, p99: r.latency.p99, errors: r.errors + r.non2xx };
}

async function main(): Promise<void> {
  const db = await benchDatabase('cf_bench_api');
  const log = pino({ level: 'warn' });
  const setup = connectDatabase(db.url, 2);
  await migrate(setup.pool, log);
  const env = { DATABASE_URL: db.url, HOST: '127.0.0.1', CF_BOOTSTRAP_API_KEY: API_KEY, LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn', CF_DB_POOL_SIZE: '10' };

  const body = JSON.stringify({ name: 'bench', url: 'https://example.com/hook', headers: [{ key: 'X-Token', value: 'v' }] });
  const headers = { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' };

  const ours = await spawnServer('api/main.ts', env);
  const created = await fetch(`${ours.url}/v1/webhook-integrations`, { method: 'POST', headers, body });
  const { id } = (await created.json()) as { id: string };
  const oursGet = await load(`${ours.url}/v1/webhook-integrations/${id}`, { headers });
  const oursPost = await load(`${ours.url}/v1/webhook-integrations`, { method: 'POST', headers, body });
  await ours.stop();

  const bare = await spawnServer('bench/bare-server.ts', env);
  const bareGet = await load(`${bare.url}/v1/webhook-integrations/${id}`, { headers });
  const barePost = await load(`${bare.url}/v1/webhook-integrations`, { method: 'POST', headers, body });
  await bare.stop();

  await setup.close();
  await db.stop();

  const row = (name: string, o: Figures, b: Figures) =>
    `| ${name} | ${o.rps.toFixed(0)} | ${o.p99} | ${b.rps.toFixed(0)} | ${b.p99} | ${(o.rps / b.rps).toFixed(2)}× |`;
  const table = [
    '| operation | API req/s | API p99 ms | bare req/s | bare p99 ms | API / bare |',
    '|---|---|---|---|---|---|',
    row('GET one integration', oursGet, bareGet),
    row('POST create', oursPost, barePost),
  ].join('\n');
  const errors = oursGet.errors + oursPost.errors + bareGet.errors + barePost.errors;
  console.log(table);
  if (errors) console.log(`non-2xx or errors: ${errors}`);
  recordSection(
    'API',
    `\`npm run bench:api\` — ${DURATION} s per run after a 2 s warm-up, ${CONNECTIONS} connections, autocannon in the benchmark process, each server in its own process, pool of 10, LOG_LEVEL=${env.LOG_LEVEL}, same PostgreSQL 18 database. "bare" is an Express handler doing the same single pg statement with no authentication, policy, stored evaluation or validation. Goal: GET ≥ 0.5× bare.\n\nLast run (${new Date().toISOString().slice(0, 10)}, 2 cores):\n\n${table}\n`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
