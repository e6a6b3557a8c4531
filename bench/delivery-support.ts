import { fork, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import type { Pool } from 'pg';
import { emitAuditEvents } from '../api/audit-events/emit';
import { systemCause } from '../api/audit-events/event';
import { grantEvents, type GrantRow } from '../api/grants/workflow';
import { newId } from '../api/ids';
import { newSigningSecret, type IntegrationSecrets } from '../api/webhook-integrations/secrets';

/** What the delivery benchmarks share: receivers in child processes, events, and the two measurements. */

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export const now = () => performance.timeOrigin + performance.now();

/** A child process started from a bench/ file that reports its ports over IPC first. */
async function child<T>(file: string, args: string[]): Promise<{ proc: ChildProcess; first: T }> {
  const proc = fork(resolve(__dirname, file), args, { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  const first = await new Promise<T>((r) => proc.once('message', (m) => r(m as T)));
  return { proc, first };
}

/** Receivers answering 204 in a child process (bench/delivery-receiver.ts), recording receipts by webhook-id. */
export class Receivers {
  private proc!: ChildProcess;
  ports: number[] = [];
  async start(count: number): Promise<this> {
    const { proc, first } = await child<{ ports: number[] }>('delivery-receiver.ts', [String(count)]);
    this.proc = proc;
    this.ports = first.ports;
    return this;
  }
  collect(): Promise<Array<[string, number]>> {
    return new Promise((r) => {
      this.proc.once('message', (m: { receipts: Array<[string, number]> }) => r(m.receipts));
      this.proc.send({ type: 'collect' });
    });
  }
  stop(): void {
    this.proc.disconnect();
  }
}

/** Failing destinations in a child process (bench/delivery-failing.ts): one port per kind. */
export async function failingServers(): Promise<{ ports: Record<'hang' | 'slow-500' | 'reset', number>; stop(): void }> {
  const { proc, first } = await child<{ ports: Record<'hang' | 'slow-500' | 'reset', number> }>('delivery-failing.ts', []);
  return { ports: first.ports, stop: () => proc.disconnect() };
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

/** `n` grant.requested audit events, as the API would emit them. */
export function auditEvents(n: number) {
  return Array.from({ length: n }, () => grantEvents(fakeGrant(), ['grant.requested'], systemCause(''))[0]);
}

/**
 * An integration row for the benchmarks (plain SQL: the API's own cost is not what is measured), with one custom
 * header. With `secrets` its header value and signing secret are sealed, as the API stores them; without, they are
 * in plain text, as rows from before encryption (which the worker sends with nothing to decrypt).
 */
export async function insertIntegration(
  pool: Pool,
  url: string,
  events: { audit: boolean; authorization: boolean },
  secrets?: IntegrationSecrets,
): Promise<string> {
  const id = newId('webhookIntegration');
  const signingSecret = newSigningSecret();
  const headers = secrets ? secrets.sealHeaders(id, [{ key: 'X-Bench', value: '1' }], true).writes : [{ key: 'X-Bench', value: '1' }];
  await pool.query(
    `INSERT INTO webhook_integrations (id, name, url, send_audit_log_events, send_authorization_events, signing_secret, headers)
     VALUES ($1, 'bench', $2, $3, $4, $5, $6::jsonb)`,
    [id, url, events.audit, events.authorization, secrets ? secrets.sealSigningSecret(id, signingSecret) : signingSecret, JSON.stringify(headers)],
  );
  return id;
}

/** Replaces every integration with one per port, subscribed to audit events (sealed with `secrets`, if given). */
export async function setIntegrations(pool: Pool, ports: number[], secrets?: IntegrationSecrets): Promise<string[]> {
  await pool.query('DELETE FROM webhook_integrations');
  const ids: string[] = [];
  for (const port of ports) ids.push(await insertIntegration(pool, `http://127.0.0.1:${port}/hook`, { audit: true, authorization: false }, secrets));
  return ids;
}

/** Receipts until `total` have arrived (each id arrives once per port). */
export async function waitReceipts(rx: Receivers, total: number, timeoutMs: number): Promise<Array<[string, number]>> {
  const all: Array<[string, number]> = [];
  const deadline = Date.now() + timeoutMs;
  while (all.length < total && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
    all.push(...(await rx.collect()));
  }
  return all;
}

/** Waits until `total` deliveries of `integrations` have SUCCEEDED in the database. */
async function waitDurable(pool: Pool, integrations: string[], total: number): Promise<void> {
  for (;;) {
    const { rows } = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM deliveries WHERE status = 'SUCCEEDED' AND integration_id = ANY ($1)`,
      [integrations],
    );
    if (rows[0].n >= total) return;
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Durable throughput: `events` audit events emitted at once (500 per transaction) to the audit-subscribed
 * `integrations`, timed from the first commit until every delivery is SUCCEEDED. Clears their old deliveries first.
 */
export async function measureThroughput(pool: Pool, rx: Receivers, integrations: string[], events: number) {
  await pool.query('DELETE FROM deliveries WHERE integration_id = ANY ($1)', [integrations]);
  const total = events * integrations.length;
  const started = now();
  for (let i = 0; i < events; i += 500) await emitAuditEvents(pool, auditEvents(Math.min(500, events - i)), null);
  const receipts = await waitReceipts(rx, total, 120_000);
  await waitDurable(pool, integrations, total);
  const seconds = (now() - started) / 1000;
  return { destinations: integrations.length, events, deliveries: total, received: receipts.length, seconds, perSecond: total / seconds };
}

/**
 * Latency: `rate` events/s for `seconds` (and for as long after as `keepGoing` says), one small transaction per
 * 10 ms tick; event commit → receipt.
 */
export async function measureLatency(pool: Pool, rx: Receivers, integrations: string[], rate: number, seconds: number, keepGoing = () => false) {
  await pool.query('DELETE FROM deliveries WHERE integration_id = ANY ($1)', [integrations]);
  const committed = new Map<string, number>();
  const started = now();
  let emitted = 0;
  while (now() - started < seconds * 1000 || keepGoing()) {
    const due = Math.floor(((now() - started) / 1000) * rate) - emitted;
    if (due > 0) {
      const batch = auditEvents(due);
      const t = now();
      await emitAuditEvents(pool, batch, null);
      for (const e of batch) committed.set(e.id, t);
      emitted += due;
    }
    await new Promise((r) => setTimeout(r, Math.max(1, 10 - ((now() - started) % 10))));
  }
  const receipts = await waitReceipts(rx, emitted * integrations.length, 60_000);
  const lat = receipts.map(([id, at]) => at - committed.get(id)!).filter(Number.isFinite).sort((a, b) => a - b);
  return {
    destinations: integrations.length,
    rate,
    events: emitted,
    received: receipts.length,
    p50: percentile(lat, 50),
    p99: percentile(lat, 99),
    max: lat.at(-1) ?? NaN,
  };
}
