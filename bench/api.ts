import autocannon from 'autocannon';
import { cpus, loadavg } from 'node:os';
import pino from 'pino';
import { connectDatabase } from '../api/db/client';
import { migrate } from '../api/db/migrate';
import { generateKey } from '../api/secrets/keyring';
import { benchDatabase, median, recordSection, spawnServer } from './support';

/**
 * `npm run bench:api`: GET one integration and POST create through the real API (authentication, Cedar, stored
 * evaluation, validation; POST in one transaction with its evaluation) against a bare Express handler doing the
 * same single pg statement, on the same database in the same run. Each server runs in its own process;
 * autocannon drives it from this one. The machine may be shared, so the load average is printed with the figures:
 * compare API and bare within one run only.
 */
const DURATION = Number(process.env.BENCH_DURATION ?? 5);
/** Alternating rounds of API and bare; figures are medians. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
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

const loadAverages = () => loadavg().map((l) => l.toFixed(2)).join(' / ');

async function main(): Promise<void> {
  const loadBefore = loadAverages();
  const db = await benchDatabase('cf_bench_api');
  const log = pino({ level: 'warn' });
  const setup = connectDatabase(db.url, 2);
  await migrate(setup.pool, log);
  const env = {
    DATABASE_URL: db.url,
    CF_ENCRYPTION_KEYS: generateKey(),
    HOST: '127.0.0.1',
    CF_BOOTSTRAP_API_KEY: API_KEY,
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
    CF_DB_POOL_SIZE: '10',
  };

  const body = JSON.stringify({ name: 'bench', url: 'https://example.com/hook', headers: [{ key: 'X-Token', value: 'v' }] });
  const headers = { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' };

  // Both servers stay up and are measured in alternation, ROUNDS times, so a change in the machine's load hits
  // both sides alike; each figure is the median of its rounds.
  const [ours, bare] = await Promise.all([spawnServer('api/main.ts', env), spawnServer('bench/bare-server.ts', env)]);
  const created = await fetch(`${ours.url}/v1/webhook-integrations`, { method: 'POST', headers, body });
  const { id } = (await created.json()) as { id: string };
  const runs: Record<'oursGet' | 'bareGet' | 'oursPost' | 'barePost', Figures[]> = { oursGet: [], bareGet: [], oursPost: [], barePost: [] };
  for (let round = 0; round < ROUNDS; round++) {
    const get = [
      ['oursGet', ours.url],
      ['bareGet', bare.url],
    ] as const;
    const post = [
      ['oursPost', ours.url],
      ['barePost', bare.url],
    ] as const;
    for (const [name, url] of round % 2 ? [...get].reverse() : get) runs[name].push(await load(`${url}/v1/webhook-integrations/${id}`, { headers }));
    for (const [name, url] of round % 2 ? [...post].reverse() : post) runs[name].push(await load(`${url}/v1/webhook-integrations`, { method: 'POST', headers, body }));
  }
  await Promise.all([ours.stop(), bare.stop()]);
  const mid = (fs: Figures[]): Figures => ({ rps: median(fs.map((f) => f.rps)), p99: median(fs.map((f) => f.p99)), errors: fs.reduce((n, f) => n + f.errors, 0) });
  const [oursGet, bareGet, oursPost, barePost] = [mid(runs.oursGet), mid(runs.bareGet), mid(runs.oursPost), mid(runs.barePost)];

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
  const loadAfter = loadAverages();
  const goals = [
    `GET ≥ 0.7× bare: ${oursGet.rps / bareGet.rps >= 0.7 ? 'met' : 'not met'} (${(oursGet.rps / bareGet.rps).toFixed(2)}×)`,
    `POST ≥ 0.5× bare: ${oursPost.rps / barePost.rps >= 0.5 ? 'met' : 'not met'} (${(oursPost.rps / barePost.rps).toFixed(2)}×)`,
  ].join('; ');
  console.log(table);
  console.log(`load average (1 / 5 / 15 min) before ${loadBefore}, after ${loadAfter}; ${goals}`);
  if (errors) console.log(`non-2xx or errors: ${errors}`);
  recordSection(
    'API',
    `\`npm run bench:api\` — ${ROUNDS} alternating rounds of API and bare, ${DURATION} s per run after a 2 s warm-up, medians, ${CONNECTIONS} connections, autocannon in the benchmark process, each server in its own process, pool of 10, LOG_LEVEL=${env.LOG_LEVEL}, same PostgreSQL 18 database. "bare" is an Express handler doing the same single pg statement with no authentication, policy, stored evaluation or validation. Goals: GET ≥ 0.7× bare, POST ≥ 0.5× bare.\n\nLast run (${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores, load average before ${loadBefore}, after ${loadAfter}):\n\n${table}\n\n${goals}.\n`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
