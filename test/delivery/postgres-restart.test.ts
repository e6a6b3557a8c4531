import { Pool } from 'pg';
import { OutsidePostgres } from '../support/outside-postgres';
import { createIntegration, Receiver, startDeliveryService, waitUntil, type DeliveryTestService } from './harness';

/**
 * The database outside the service (DATABASE_URL) stops and comes back while the service runs: meanwhile every
 * call answers 503 problem+json with Retry-After, /readyz says not ready and /healthz stays up; afterwards the
 * service heals by itself, without a restart, and every event it acknowledged is delivered.
 */
describe('PostgreSQL restart while the service runs', () => {
  let pg: OutsidePostgres;
  let svc: DeliveryTestService | undefined;
  let receiver: Receiver;

  beforeAll(async () => {
    pg = await new OutsidePostgres().start();
    receiver = await new Receiver((_r, res) => setTimeout(() => res.writeHead(200).end(), 100)).start();
  });
  afterAll(async () => {
    await svc?.stop();
    await receiver.stop();
    await pg.stop();
  });

  test('503 with Retry-After during the outage; delivery resumes afterwards, without restarting the service, and nothing is lost', async () => {
    svc = await startDeliveryService({ databaseUrl: pg.url, env: { CF_WEBHOOK_CONCURRENCY_PER_DESTINATION: '4', CF_DB_CONNECT_TIMEOUT_MS: '1000' } });
    const { id } = await createIntegration(svc, receiver, { send_audit_log_events: false, send_authorization_events: true });

    const answered = new Set<string>();
    const burst = async (n: number) => {
      await Promise.all(
        Array.from({ length: n }, async () => {
          const res = await svc!.api('GET', `/v1/webhook-integrations/${id}`);
          if (res.status === 200) answered.add(res.headers.get('cf-authorization-evaluation')!);
        }),
      );
    };
    await burst(30);
    // Stop the cluster while deliveries are in flight (the receiver takes 100 ms each, 4 at a time).
    expect(receiver.received.length).toBeLessThan(30);
    await pg.down();

    for (const [method, path, body] of [
      ['GET', `/v1/webhook-integrations/${id}`, undefined],
      ['POST', '/v1/webhook-integrations', { name: 'during', url: receiver.url }],
      ['GET', '/v1/audit-events', undefined],
    ] as const) {
      const res = await fetch(svc.baseUrl + path, {
        method,
        headers: { Authorization: `Bearer ${svc.apiKey}`, 'Content-Type': 'application/json' },
        body: body && JSON.stringify(body),
      });
      expect(res.status).toBe(503);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.headers.get('retry-after')).toBe('2');
      expect(await res.json()).toMatchObject({ status: 503, type: 'https://commonfate.io/problems/unavailable', detail: expect.any(String) });
    }
    const ready = await fetch(`${svc.baseUrl}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'not_ready', detail: expect.stringMatching(/^database unreachable \((ECONNREFUSED|ECONNRESET|08001|08006|57P0\d)\)$/) });
    const health = await fetch(`${svc.baseUrl}/healthz`);
    expect(health.status).toBe(200);

    await pg.up();
    // The service recovers by itself: calls succeed again, and delivery goes on.
    await waitUntil(async () => (await svc!.api('GET', `/v1/webhook-integrations/${id}`)).status === 200, 30_000, 'API answering again');
    expect((await fetch(`${svc.baseUrl}/readyz`)).status).toBe(200);
    await burst(10);
    await receiver.waitFor((all) => {
      const ids = new Set(all.map((x) => x.id));
      return [...answered].every((e) => ids.has(e));
    }, 60_000);

    const pool = new Pool({ connectionString: pg.directUrl, max: 1 });
    try {
      const left = await waitUntil(async () => {
        const { rows } = await pool.query(`SELECT count(*)::int AS n FROM deliveries WHERE status <> 'SUCCEEDED' AND event_id = ANY($1)`, [[...answered]]);
        return rows[0].n === 0 ? 'none' : undefined;
      }, 15_000, 'every acknowledged delivery recorded as succeeded');
      expect(left).toBe('none');
    } finally {
      await pool.end();
    }
    expect(receiver.received.every((x) => x.verified)).toBe(true);
  });

  test('a database that stops answering: calls answer 503 after the connect timeout, and a graceful stop finishes', async () => {
    const running = svc!;
    const { id } = await createIntegration(running, receiver, { send_audit_log_events: true });
    pg.goSilent();
    try {
      const res = await running.api('GET', `/v1/webhook-integrations/${id}`);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('2');
      expect((await fetch(`${running.baseUrl}/readyz`)).status).toBe(503);
      // Calls in flight while it stops: each waits for a connection until CF_DB_CONNECT_TIMEOUT_MS (1 s).
      const inFlight = Array.from({ length: 5 }, () => running.api('GET', '/v1/audit-events'));
      const pool = running.service.db.pool;
      await waitUntil(async () => pool.totalCount - pool.idleCount >= 5, 10_000, 'the calls waiting for connections');
      const stopped = running.stop();
      svc = undefined;
      // stop() rejects, naming the step, if it outlasts CF_SHUTDOWN_TIMEOUT_MS (30 s); without a connect timeout
      // it would wait on the silent server for ever.
      await expect(stopped).resolves.toBeUndefined();
      for (const r of await Promise.all(inFlight)) expect(r.status).toBe(503);
    } finally {
      pg.speak();
    }
  });
});
