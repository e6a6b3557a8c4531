import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { runningEmbeddedUrl } from '../../api/db/embedded';
import { startServiceProcess, type ServiceProcess } from '../support/service';
import { Receiver, entitlement, waitUntil, type Received } from './harness';

/**
 * `npm start` as most users run it — the embedded PostgreSQL — and its postmaster killed with SIGKILL (an OOM
 * kill, a crash) while the API is under load and deliveries are in flight. Meanwhile the API answers 503
 * problem+json with Retry-After, never 500; the service brings the database back by itself, without a
 * restart; every event it acknowledged before the kill reaches a real receiver on loopback afterwards,
 * signature verified.
 */
describe('kill -9 of the embedded postmaster under load', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cf-embedded-crash-'));
  const apiKey = `embedded-crash-admin-${Date.now()}-0123456789`;
  let proc: ServiceProcess | undefined;
  let receiver: Receiver;

  afterAll(async () => {
    await proc?.kill('SIGTERM');
    await receiver?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('503 with Retry-After meanwhile, recovery without a restart, 20 of 20 acknowledged events delivered', async () => {
    // Slow enough that the 20 events are still being delivered when the database dies.
    receiver = await new Receiver((_r, res) => setTimeout(() => res.writeHead(200).end(), 150)).start();
    proc = await startServiceProcess({
      apiKey,
      env: {
        CF_DATA_DIR: dataDir,
        CF_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.0/8',
        CF_WEBHOOK_CONCURRENCY_PER_DESTINATION: '2',
        CF_WEBHOOK_TIMEOUT_MS: '2000',
        CF_WEBHOOK_RETRY_SCHEDULE: '0.2,0.5,1,1,1',
      },
    });
    const service = proc;
    const call = (method: string, path: string, body?: unknown) =>
      fetch(service.baseUrl + path, {
        method,
        headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    const created = (await (await call('POST', '/v1/webhook-integrations', { name: 'crash', url: receiver.url, send_audit_log_events: true })).json()) as { id: string };
    receiver.secrets.push(((await (await call('GET', `/v1/webhook-integrations/${created.id}/secret`)).json()) as { secret: string }).secret);

    // Load for the whole test: reads of the integration, and the probes an orchestrator would make.
    const statuses = new Map<number, number>();
    const unavailable: Array<{ type: string | null; retryAfter: string | null; body: { type?: string; status?: number } }> = [];
    const probes: Array<{ path: string; status: number; detail?: string }> = [];
    let loading = true;
    const reader = async () => {
      while (loading) {
        const res = await call('GET', `/v1/webhook-integrations/${created.id}`).catch(() => undefined);
        if (!res) continue;
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        const body = (await res.json()) as { type?: string; status?: number };
        if (res.status === 503) unavailable.push({ type: res.headers.get('content-type'), retryAfter: res.headers.get('retry-after'), body });
      }
    };
    const prober = async () => {
      while (loading) {
        for (const path of ['/readyz', '/healthz']) {
          const res = await fetch(service.baseUrl + path).catch(() => undefined);
          if (res) probes.push({ path, status: res.status, detail: ((await res.json()) as { detail?: string }).detail });
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const load = [reader(), reader(), reader(), prober()];

    // 20 access requests, each acknowledged (201) with its grant.requested audit event committed.
    const acknowledged = new Set<string>();
    await Promise.all(
      Array.from({ length: 20 }, async (_x, i) => {
        const res = await call('POST', '/v1/access-requests', { entitlement, justification: `before the kill ${i}`, duration_seconds: 600 });
        expect(res.status).toBe(201);
        acknowledged.add(((await res.json()) as { grant: { id: string } }).grant.id);
      }),
    );
    const grantOf = (r: Received) =>
      r.json.action === 'grant.requested' ? ((r.json.targets as Array<{ type: string; id: string }>).find((t) => t.type === 'Access::Grant')?.id ?? '') : '';
    const deliveredBefore = new Set(receiver.received.map(grantOf).filter((g) => acknowledged.has(g)));
    expect(deliveredBefore.size).toBeLessThan(20); // really mid-delivery

    const postmaster = Number(readFileSync(join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
    const killedAt = Date.now();
    process.kill(postmaster, 'SIGKILL');

    // Meanwhile: the load sees 503s. Then the service recovers by itself: same process, API answering again.
    await waitUntil(async () => unavailable.length > 0, 30_000, 'a 503 during the outage');
    await waitUntil(async () => (await call('GET', `/v1/webhook-integrations/${created.id}`)).status === 200, 60_000, 'the API answering again');
    const recoveredMs = Date.now() - killedAt;
    await waitUntil(async () => probes.at(-1)?.path === '/healthz' && probes.at(-2)?.status === 200, 30_000, '/readyz ready again');
    expect(service.child.exitCode).toBeNull();
    expect(service.output().match(/"msg":"API listening"/g)).toHaveLength(1);
    expect(service.output()).toMatch(/"msg":"the embedded database stopped unexpectedly \(killed by SIGKILL\); restarting it/);
    expect(service.output()).toMatch(/"msg":"the embedded database is running again \(crash recovery done\)"/);

    // Every event acknowledged before the kill arrives afterwards, signed.
    const all = await receiver.waitFor((got) => [...acknowledged].every((g) => got.some((r) => grantOf(r) === g)), 60_000);
    loading = false;
    await Promise.all(load);
    const delivered = new Set(all.map(grantOf).filter((g) => acknowledged.has(g)));
    expect(delivered.size).toBe(20);
    expect(all.every((r) => r.verified)).toBe(true);

    // During the outage: 503 problem+json with Retry-After, never 500; /readyz said so, /healthz stayed up.
    expect(statuses.get(500)).toBeUndefined();
    expect([...statuses.keys()].every((s) => s === 200 || s === 503)).toBe(true);
    for (const u of unavailable) {
      expect(u.type).toMatch(/^application\/problem\+json/);
      expect(u.retryAfter).toBe('2');
      expect(u.body).toMatchObject({ status: 503, type: 'https://commonfate.io/problems/unavailable' });
    }
    const readyDuring = probes.filter((p) => p.path === '/readyz' && p.status === 503);
    expect(readyDuring.length).toBeGreaterThan(0);
    for (const p of readyDuring) expect(p.detail).toMatch(/^(the embedded database is restarting \(attempt \d of 5\)|database unreachable \(.+\))$/);
    expect(probes.filter((p) => p.path === '/healthz').every((p) => p.status === 200)).toBe(true);

    // And recorded as delivered, in the database the service brought back.
    const pool = new Pool({ connectionString: runningEmbeddedUrl(dataDir)!, max: 1 });
    try {
      const done = await waitUntil(async () => {
        const { rows } = await pool.query<{ n: number }>(
          `SELECT count(DISTINCT e.id)::int AS n FROM audit_events e JOIN deliveries d ON d.event_id = e.id
            WHERE e.grant_id = ANY($1) AND e.action = 'grant.requested' AND d.status = 'SUCCEEDED'`,
          [[...acknowledged]],
        );
        return rows[0].n === 20 ? rows[0].n : undefined;
      }, 15_000, 'the deliveries recorded as succeeded');
      expect(done).toBe(20);
    } finally {
      await pool.end();
    }
    process.stdout.write(
      `must-show: killed the postmaster with ${deliveredBefore.size}/20 acknowledged events delivered; API answered again after ${recoveredMs} ms ` +
        `without a restart; ${unavailable.length} answers 503 with Retry-After, ${statuses.get(200) ?? 0} answers 200, none 500; ` +
        `20/20 acknowledged events delivered and verified (${all.length} receipts in all)\n`,
    );
    expect(await service.kill('SIGTERM')).toBe(0);
    proc = undefined;
  });
});
