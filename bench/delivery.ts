import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { Pool } from 'pg';
import { Agent } from 'undici';
import { emitAuditEvents } from '../api/audit-events/emit';
import { systemCause } from '../api/audit-events/event';
import { loadConfig } from '../api/config';
import { startEmbeddedPostgres } from '../api/db/embedded';
import { grantEvents, type GrantRow } from '../api/grants/workflow';
import { newId } from '../api/ids';
import { newSigningSecret } from '../api/webhook-integrations/secrets';
import { startService } from '../api/service';

/**
 * `npm run bench:delivery`: durable deliveries/s and event-to-receipt latency of the real worker (claim with
 * SKIP LOCKED, sign, POST, record the attempt and the result in Postgres), fanning events out to 1 and to 10
 * local receivers; and, in the same run, a raw undici POST loop with the same concurrency and payloads (no
 * database, no signing) as the baseline. Receivers run in a child process.
 */
const ROOT = resolve(__dirname, '..');
const PER_DESTINATION = 32;
const GLOBAL = 256;
const log = pino({ level: 'warn' });

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const now = () => performance.timeOrigin + performance.now();

class Receivers {
  private child!: ChildProcess;
  ports: number[] = [];
  async start(count: number): Promise<this> {
    this.child = fork(resolve(__dirname, 'delivery-receiver.ts'), [String(count)], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
    this.ports = await new Promise((r) => this.child.once('message', (m: { ports: number[] }) => r(m.ports)));
    return this;
  }
  collect(): Promise<Array<[string, number]>> {
    return new Promise((r) => {
      this.child.once('message', (m: { receipts: Array<[string, number]> }) => r(m.receipts));
      this.child.send({ type: 'collect' });
    });
  }
  stop(): void {
    this.child.disconnect();
  }
}

const fakeGrant = (): GrantRow => ({
  id: newId('grant'),
  request_id: newId('request'),
  target_type: 'AWS::Account',
  target_id: '450666865322',
  role_type: 'AWS::IDC::PermissionSet',
  role_id: 'arn:aws:sso:::permissionSet/ssoins-825968feece9a0b6/ps-04543749a2b53328',
  status: 'PENDING',
  provisioning: 'NONE',
  duration_seconds: 3600,
  activated_at: null,
  expires_at: null,
  closed_reason: null,
  breakglass: false,
  cause_eval: '',
  last_error: null,
  created_at: new Date(),
  updated_at: new Date(),
});

async function setIntegrations(pool: Pool, ports: number[]): Promise<void> {
  await pool.query('DELETE FROM webhook_integrations');
  for (const port of ports) {
    await pool.query(
      `INSERT INTO webhook_integrations (id, name, url, send_audit_log_events, signing_secret, headers)
       VALUES ($1, 'bench', $2, true, $3, '[{"key":"X-Bench","value":"1"}]')`,
      [newId('webhookIntegration'), `http://127.0.0.1:${port}/hook`, newSigningSecret()],
    );
  }
}

/** Receipts until `total` have arrived (deduplicated per destination is not needed: each id arrives once per port). */
async function waitReceipts(rx: Receivers, total: number, timeoutMs: number): Promise<Array<[string, number]>> {
  const all: Array<[string, number]> = [];
  const deadline = Date.now() + timeoutMs;
  while (all.length < total && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
    all.push(...(await rx.collect()));
  }
  return all;
}

async function waitDurable(pool: Pool, total: number): Promise<void> {
  for (;;) {
    const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM deliveries WHERE status = 'SUCCEEDED'`);
    if (rows[0].n >= total) return;
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Throughput: `events` events emitted at once (batches of 500 per transaction), fanned out to every receiver. */
async function throughput(pool: Pool, rx: Receivers, destinations: number, events: number) {
  await setIntegrations(pool, rx.ports.slice(0, destinations));
  const total = events * destinations;
  const started = now();
  for (let i = 0; i < events; i += 500) {
    const batch = Array.from({ length: Math.min(500, events - i) }, () => grantEvents(fakeGrant(), ['grant.requested'], systemCause(''))[0]);
    await emitAuditEvents(pool, batch, null);
  }
  const receipts = await waitReceipts(rx, total, 120_000);
  const received = now();
  await waitDurable(pool, total);
  const durable = now();
  return { destinations, events, deliveries: total, received: receipts.length, seconds: (durable - started) / 1000, receiptSeconds: (received - started) / 1000 };
}

/** Latency: `rate` events/s for `seconds`, one small transaction per 10 ms tick; event commit -> receipt. */
async function latency(pool: Pool, rx: Receivers, destinations: number, rate: number, seconds: number) {
  await setIntegrations(pool, rx.ports.slice(0, destinations));
  await pool.query('DELETE FROM deliveries');
  const committed = new Map<string, number>();
  const perTick = rate / 100;
  const started = now();
  let emitted = 0;
  while (now() - started < seconds * 1000) {
    const due = Math.floor(((now() - started) / 1000) * rate) - emitted;
    if (due > 0) {
      const batch = Array.from({ length: due }, () => grantEvents(fakeGrant(), ['grant.requested'], systemCause(''))[0]);
      const t = now();
      await emitAuditEvents(pool, batch, null);
      for (const e of batch) committed.set(e.id, t);
      emitted += due;
    }
    await new Promise((r) => setTimeout(r, Math.max(1, 10 - ((now() - started) % 10))));
  }
  void perTick;
  const receipts = await waitReceipts(rx, emitted * destinations, 60_000);
  const lat = receipts.map(([id, at]) => at - committed.get(id)!).filter(Number.isFinite).sort((a, b) => a - b);
  return { destinations, rate, events: emitted, received: receipts.length, p50: percentile(lat, 50), p99: percentile(lat, 99), max: lat.at(-1) ?? NaN };
}

/** Baseline: undici POST loop, same payload and concurrency (per destination 32 under a global 256), no database. */
async function rawBaseline(rx: Receivers, destinations: number, deliveries: number) {
  const body = JSON.stringify(grantEvents(fakeGrant(), ['grant.requested'], systemCause(''))[0]);
  const agent = new Agent({ connections: PER_DESTINATION, keepAliveTimeout: 30_000 });
  const ports = rx.ports.slice(0, destinations);
  const concurrency = Math.min(GLOBAL, PER_DESTINATION * destinations);
  let next = 0;
  const latencies: number[] = [];
  const started = now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_x, worker) => {
      const port = ports[worker % ports.length];
      while (next < deliveries) {
        next++;
        const t = now();
        const res = await agent.request({
          origin: `http://127.0.0.1:${port}`,
          path: '/hook',
          method: 'POST',
          headers: ['content-type', 'application/json', 'x-bench', '1'],
          body,
        });
        await res.body.dump();
        latencies.push(now() - t);
      }
    }),
  );
  const seconds = (now() - started) / 1000;
  await agent.close();
  await waitReceipts(rx, deliveries, 30_000);
  latencies.sort((a, b) => a - b);
  return { destinations, deliveries, seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cf-bench-delivery-'));
  const pg = await startEmbeddedPostgres(dataDir, log);
  const rx = await new Receivers().start(10);
  const config = loadConfig({
    DATABASE_URL: pg.url,
    CF_ROLE: 'worker',
    LOG_LEVEL: 'warn',
    CF_WEBHOOK_ALLOW_HTTP: 'true',
    CF_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.0/8',
    CF_WEBHOOK_CONCURRENCY: String(GLOBAL),
    CF_WEBHOOK_CONCURRENCY_PER_DESTINATION: String(PER_DESTINATION),
  });
  const service = await startService(config, log);
  const pool = new Pool({ connectionString: pg.url, max: 4 });
  const events1 = Number(process.env.BENCH_EVENTS ?? 10_000);
  const events10 = Math.round(events1 / 10) * 2;
  try {
    // Warm-up (JIT, connections, plans), discarded.
    await throughput(pool, rx, 10, 300);
    await rawBaseline(rx, 10, 3000);

    const t1 = await throughput(pool, rx, 1, events1);
    const r1 = await rawBaseline(rx, 1, t1.deliveries);
    const t10 = await throughput(pool, rx, 10, events10);
    const r10 = await rawBaseline(rx, 10, t10.deliveries);
    const l1 = await latency(pool, rx, 1, 500, 5);
    const l10 = await latency(pool, rx, 10, 500, 5);

    const rows = [
      [t1, r1],
      [t10, r10],
    ] as const;
    const lines: string[] = [];
    lines.push('| destinations | events | deliveries | durable deliveries/s | raw undici POST/s | ratio |');
    lines.push('|---|---|---|---|---|---|');
    for (const [t, r] of rows) {
      const ours = t.deliveries / t.seconds;
      const raw = r.deliveries / r.seconds;
      lines.push(`| ${t.destinations} | ${t.events} | ${t.deliveries} | ${ours.toFixed(0)} | ${raw.toFixed(0)} | ${(ours / raw).toFixed(2)}× |`);
    }
    lines.push('');
    lines.push('| destinations | rate | events | deliveries received | event→receipt p50 | p99 | max |');
    lines.push('|---|---|---|---|---|---|---|');
    for (const l of [l1, l10]) {
      lines.push(`| ${l.destinations} | ${l.rate} events/s | ${l.events} | ${l.received} | ${l.p50.toFixed(1)} ms | ${l.p99.toFixed(1)} ms | ${l.max.toFixed(1)} ms |`);
    }
    lines.push('');
    lines.push(`Raw baseline POST latency (no queue): 1 destination p50 ${r1.p50.toFixed(2)} ms / p99 ${r1.p99.toFixed(2)} ms; 10 destinations p50 ${r10.p50.toFixed(2)} ms / p99 ${r10.p99.toFixed(2)} ms.`);
    const best = Math.max(t1.deliveries / t1.seconds, t10.deliveries / t10.seconds);
    const ratios = rows.map(([t, r]) => t.deliveries / t.seconds / (r.deliveries / r.seconds));
    const met = (ok: boolean) => (ok ? 'met' : 'not met');
    lines.push('');
    lines.push(
      `Goals: ≥ 0.5× raw — ${met(ratios.every((x) => x >= 0.5))} (${ratios.map((x) => x.toFixed(2) + '×').join(', ')}); ` +
        `≥ 3,000 durable deliveries/s — ${met(best >= 3000)} (best ${best.toFixed(0)}/s); ` +
        `p99 ≤ 50 ms at 500 events/s to 1 destination — ${met(l1.p99 <= 50)} (${l1.p99.toFixed(1)} ms).`,
    );
    const table = lines.join('\n');
    process.stdout.write(`\n${table}\n`);
    writeReadme(table);
  } finally {
    await pool.end();
    await service.stop();
    rx.stop();
    await pg.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** What was changed, tried and measured (kept in the section the benchmark rewrites). */
const NOTES = `Figures move by ±40% between runs on this shared 2-core machine (the raw baseline too): compare within a run.

What made it faster (2026-11-25; before: 1,143 and 2,275 durable deliveries/s, 0.13× and 0.38×, p99 1.8 s at
500 events/s to 10 destinations):
- Query plans. The claim's UPDATE joined its locked rows as a hash over the whole deliveries table and the payload as a
  hash over the whole audit_events table; the result statement's \`leased_by = $n\` was estimated at one row, so the
  batch was nested-looped against itself. Now rows by primary key (\`id = ANY\`), payload by a lookup per row, the lease
  as a join clause. EXPLAIN ANALYZE, 20,000 deliveries, 256 rows: claim 20.9 -> 7.9 ms, result 83.6 -> 19.5 ms (the old
  plans grow with the tables).
- One partial index of PENDING rows instead of two (status, ...) indexes, fillfactor 70: finished deliveries leave the
  queue index, and the claim (lease columns only) is a HOT update (26k of 32k in a run): claim 9.0 -> 5.5 ms, result
  19.5 -> 14.4 ms.
- Prefetch. A freed slot waited for the next claim (one at a time, ~10 ms each under load), so that wait was added to
  every delivery. Each destination now holds up to 2 × its in-flight limit of claimed rows waiting for a slot; a row
  that waits longer than half the lease margin is released, never attempted, so leases and crash recovery are
  unchanged. The claim already spanned all destinations; its round trip, not its scope, was the limit.
- KSUIDs without BigInt (3.4 -> 1.4 µs an id; one per attempt).

Tried and not kept: prefetch of 1 × the in-flight limit (sampling showed the buffer empty most of the time; 2 × won
3 of 3 alternating pairs, +24-79%); HMAC from two one-shot SHA-256 hashes (5.8 vs 5.6 µs, no gain); one
AbortController per attempt swept by a shared timer instead of AbortSignal.timeout (20.9 vs 12.7 µs, ~3% of the
worker's CPU; not worth a looser per-attempt timeout). synchronous_commit stays on: a commit costs 0.5-0.7 ms here
(0.26 ms without the flush) and is not what bounds a claim.

The floor, measured on this machine: the same event, claim and result statements without HTTP (10 destinations)
cost Postgres 140 µs of CPU per delivery and Node ~35 µs; a raw POST costs 110-180 µs (client and receiver). A durable
delivery therefore needs at least ~290-350 µs of the same 2 cores where the baseline needs 110-180 µs: about 0.4-0.5×
once CPU-bound, and 5,000 deliveries/s (500 events/s to 10 destinations) needs ~1.4-1.8 of the 2 cores, receivers
included, before the code that makes the events (and other work on a shared machine): a backlog builds at that rate
and its p99 measures the backlog. The best runs of this code reached ~3,400 deliveries/s with 10 destinations.`;

/** Replaces (or appends) the "Delivery" section of bench/README.md, leaving other sections alone. */
function writeReadme(table: string): void {
  const file = join(ROOT, 'bench/README.md');
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const section = `## Delivery

\`npm run bench:delivery\` — the real worker (\`CF_ROLE=worker\`, ${GLOBAL} in flight, ${PER_DESTINATION} per destination) on an
embedded PostgreSQL 18: events are committed with their delivery rows (\`emitAuditEvents\`, the API's code path), then
claimed (SKIP LOCKED, leased), signed (Standard Webhooks), POSTed over keep-alive undici pools to loopback receivers
(a child process answering 204), and their attempts and results written back. "Durable deliveries/s" counts from the
first commit until every delivery is SUCCEEDED in the database. Baseline: a raw undici POST loop with the same
payload and concurrency, no database and no signing, in the same run. Goals: ≥ 0.5× raw, ≥ 3,000 durable
deliveries/s, p99 ≤ 50 ms at 500 events/s.

Last run (${new Date().toISOString().slice(0, 10)}, ${require('node:os').cpus().length} cores, Node ${process.version}):

${table}

${NOTES}
`;
  const re = /## Delivery\n[\s\S]*?(?=\n## |$)/;
  const next = re.test(current) ? current.replace(re, section.trimEnd() + '\n') : `${current.trimEnd()}\n\n${section}`;
  writeFileSync(file, next);
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
