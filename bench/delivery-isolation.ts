import { createServer } from 'node:net';
import type { Pool } from 'pg';
import type { Resolver } from '../api/delivery/dns';
import { DELIVERIES_CHANNEL, deliveryIdPrefix, deliveryIdSql } from '../api/delivery/fanout';
import { newId } from '../api/ids';
import { median } from './support';
import { treeCpuMs } from './terraform-run';
import { failingServers, insertIntegration, measureLatency, measureThroughput, setIntegrations, type Receivers } from './delivery-support';

/**
 * The isolation table of `npm run bench:delivery`: one healthy destination's durable deliveries/s and
 * event→receipt latency while 0, 16, 64 and 256 other destinations fail in mixed ways, each with a backlog of
 * due deliveries older than the healthy one's (so a claim of the globally oldest rows would take theirs).
 * Kinds, in turn: hang (never answers), slow-500 (500 after 5 s), reset, refused (nothing listens), an
 * unresolvable name and a name whose lookup hangs (the last two through `benchResolver`, a stand-in for DNS).
 */
/** How many failing destinations each row has; BENCH_FAILING=0,256 picks others (the first is the baseline). */
export const FAILING_COUNTS: readonly number[] = (process.env.BENCH_FAILING ?? '0,16,64,256').split(',').map(Number);
const KINDS = ['hang', 'slow-500', 'reset', 'refused', 'unresolvable', 'dns-hang'] as const;
/** Due deliveries each failing destination has waiting when its run starts. */
const BACKLOG = 50;

/** The names of the DNS kinds: one never answers, anything else does not exist. No lookup leaves the process. */
export const benchResolver: Resolver = (name) =>
  name.endsWith('.hang.invalid')
    ? new Promise(() => undefined)
    : Promise.reject(Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' }));

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const { port } = srv.address() as { port: number };
  await new Promise((r) => srv.close(r));
  return port;
}

export interface IsolationRow {
  failing: number;
  perSecond: number;
  p50: number;
  p99: number;
  /** Attempts to the failing destinations during the healthy one's two measurements. */
  failingAttempts: number;
  /** Failing destinations whose circuit was open or half-open at the end. */
  circuitsOpen: number;
  /** CPU during the throughput measurement per healthy delivery, µs: every process of the run (this one with
   * the worker, Postgres, receivers, failing servers), and this process alone. */
  cpuUs: number;
  nodeCpuUs: number;
  /** Every round's throughput and p99, for the spread. */
  spread?: string;
}

/**
 * Runs every count `run.rounds` times, in turn (0, 16, 64, 256, 0, 16, …, so drift on a shared machine spreads
 * over all of them), and returns per count the median of its rounds.
 */
export async function isolation(pool: Pool, rx: Receivers, healthyPort: number, run: { events: number; rate: number; seconds: number; rounds: number }): Promise<IsolationRow[]> {
  const servers = await failingServers();
  const refused = await closedPort();
  const urlOf = (kind: (typeof KINDS)[number], i: number) => {
    switch (kind) {
      case 'refused':
        return `http://127.0.0.1:${refused}/hook/${i}`;
      case 'unresolvable':
        return `http://dest-${i}.nx.invalid/hook`;
      case 'dns-hang':
        return `http://dest-${i}.hang.invalid/hook`;
      default:
        return `http://127.0.0.1:${servers.ports[kind]}/hook/${i}`;
    }
  };
  // The failing destinations' backlog: authorization events (the healthy one subscribes to audit events only).
  const evals = Array.from({ length: BACKLOG }, () => newId('evaluation'));
  await pool.query(
    `INSERT INTO authorization_evaluations (id, principal, action, allowed, payload, evaluated_at)
     SELECT id, 'bench', 'bench', true, json_build_object('id', id), now() FROM unnest($1::text[]) AS id`,
    [evals],
  );
  const [healthy] = await setIntegrations(pool, [healthyPort]);
  await measureThroughput(pool, rx, [healthy], 500); // warm-up: the healthy destination is known and proven
  const rounds = new Map<number, IsolationRow[]>(FAILING_COUNTS.map((n) => [n, []]));
  try {
    for (let round = 0; round < run.rounds; round++) for (const n of FAILING_COUNTS) {
      await pool.query('DELETE FROM webhook_integrations WHERE id <> $1', [healthy]);
      const failing: string[] = [];
      for (let i = 0; i < n; i++) failing.push(await insertIntegration(pool, urlOf(KINDS[i % KINDS.length], i), { audit: false, authorization: true }));
      await pool.query(
        `INSERT INTO deliveries (id, integration_id, event_kind, event_id, next_attempt_at, created_at)
         SELECT ${deliveryIdSql('$3::text', 'row_number() OVER ()')}, w, 'AUTHORIZATION', e, now() - interval '1 minute', now() - interval '1 minute'
         FROM unnest($1::text[]) AS w CROSS JOIN unnest($2::text[]) AS e`,
        [failing, evals, deliveryIdPrefix()],
      );
      // Settle the setup's own churn (256 integrations and 12,800 rows deleted and inserted a moment ago), so
      // autovacuum catching up with it does not land inside the measurement; the same for every count.
      await pool.query('VACUUM (ANALYZE) deliveries, delivery_attempts, webhook_integrations');
      await pool.query(`SELECT pg_notify('${DELIVERIES_CHANNEL}', '')`);
      await new Promise((r) => setTimeout(r, 2000)); // the failing destinations get going
      const attempts = async () =>
        (
          await pool.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id WHERE d.integration_id = ANY ($1)`,
            [failing],
          )
        ).rows[0].n;
      const before = await attempts();
      const [treeBefore, nodeBefore] = [treeCpuMs(process.pid), process.cpuUsage()];
      const t = await measureThroughput(pool, rx, [healthy], run.events);
      const nodeUsed = process.cpuUsage(nodeBefore);
      const cpuUs = ((treeCpuMs(process.pid) - treeBefore) * 1000) / run.events;
      const nodeCpuUs = (nodeUsed.user + nodeUsed.system) / run.events;
      const l = await measureLatency(pool, rx, [healthy], run.rate, run.seconds);
      const { rows: open } = await pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM webhook_integrations WHERE id = ANY ($1) AND circuit_state <> 'CLOSED'`,
        [failing],
      );
      rounds.get(n)!.push({ failing: n, perSecond: t.perSecond, p50: l.p50, p99: l.p99, failingAttempts: (await attempts()) - before, circuitsOpen: open[0].n, cpuUs, nodeCpuUs });
      process.stdout.write(`isolation: ${n} failing -> ${t.perSecond.toFixed(0)} deliveries/s, p99 ${l.p99.toFixed(1)} ms\n`);
    }
  } finally {
    servers.stop();
    await pool.query('DELETE FROM webhook_integrations WHERE id <> $1', [healthy]);
  }
  const mid = <K extends keyof IsolationRow>(list: IsolationRow[], k: K) => median(list.map((r) => r[k] as number));
  return FAILING_COUNTS.map((n) => {
    const list = rounds.get(n)!;
    return {
      failing: n,
      perSecond: mid(list, 'perSecond'),
      p50: mid(list, 'p50'),
      p99: mid(list, 'p99'),
      failingAttempts: mid(list, 'failingAttempts'),
      circuitsOpen: mid(list, 'circuitsOpen'),
      cpuUs: mid(list, 'cpuUs'),
      nodeCpuUs: mid(list, 'nodeCpuUs'),
      spread: list.map((r) => `${r.perSecond.toFixed(0)}/s ${r.p99.toFixed(0)} ms`).join(', '),
    };
  });
}

/** The isolation table, each figure beside the 0-failing baseline of the same run, and the goal. */
export function isolationTable(rows: IsolationRow[], run: { events: number; rate: number; rounds: number }): string {
  const base = rows[0];
  const lines = [
    `| failing destinations | healthy durable deliveries/s (${run.events} events) | vs 0 failing | event→receipt p50 at ${run.rate}/s | p99 | p99 vs 0 failing | attempts to failing ones meanwhile | their circuits open | CPU per healthy delivery: all processes / this one (worker) | rounds (deliveries/s, p99) |`,
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.failing} | ${r.perSecond.toFixed(0)} | ${(r.perSecond / base.perSecond).toFixed(2)}× | ${r.p50.toFixed(1)} ms | ${r.p99.toFixed(1)} ms | ${(r.p99 / base.p99).toFixed(2)}× | ${r.failingAttempts} | ${r.circuitsOpen} of ${r.failing} | ${r.cpuUs.toFixed(0)} / ${r.nodeCpuUs.toFixed(0)} µs | ${r.spread} |`,
    );
  }
  const last = rows[rows.length - 1];
  const tput = last.perSecond / base.perSecond;
  const p99 = last.p99 / base.p99;
  lines.push('');
  lines.push(
    `Goal with ${last.failing} failing: ≥ 0.8× throughput — ${tput >= 0.8 ? 'met' : 'not met'} (${tput.toFixed(2)}×); p99 ≤ 2× — ${p99 <= 2 ? 'met' : 'not met'} (${p99.toFixed(2)}×).`,
  );
  return lines.join('\n');
}
