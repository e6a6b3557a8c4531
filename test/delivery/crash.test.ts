import { Pool } from 'pg';
import { startServiceProcess, type ServiceProcess } from '../support/service';
import { createTestDatabase } from '../support/database';
import { Receiver } from './harness';

/**
 * At-least-once across a crash: the service (a child process) is killed with SIGKILL while deliveries are in
 * flight and started again on the same database. Every event must reach the receiver (deduplicated on
 * webhook-id); duplicates are allowed and reported.
 */
describe('kill -9 mid-delivery', () => {
  let proc: ServiceProcess | undefined;
  let receiver: Receiver;
  const apiKey = `crash-test-admin-${Date.now()}-0123456789`;

  afterAll(async () => {
    await proc?.kill('SIGKILL');
    await receiver?.stop();
  });

  test('every event is delivered at least once after a crash and restart', async () => {
    const databaseUrl = await createTestDatabase();
    // Slow enough that a burst is still being delivered when the process dies.
    receiver = await new Receiver((_r, res) => setTimeout(() => res.writeHead(200).end(), 20)).start();
    const env = {
      DATABASE_URL: databaseUrl,
      CF_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.0/8',
      CF_WEBHOOK_CONCURRENCY_PER_DESTINATION: '4',
      CF_WEBHOOK_TIMEOUT_MS: '1000',
      CF_WEBHOOK_RETRY_SCHEDULE: '0.2,0.5,1,1,1',
    };
    proc = await startServiceProcess({ apiKey, env });
    const call = (method: string, path: string, body?: unknown) =>
      fetch(proc!.baseUrl + path, {
        method,
        headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    const created = (await (
      await call('POST', '/v1/webhook-integrations', { name: 'crash', url: receiver.url, send_audit_log_events: true, send_authorization_events: true })
    ).json()) as { id: string };
    receiver.secrets.push(((await (await call("GET", `/v1/webhook-integrations/${created.id}/secret`)).json()) as { secret: string }).secret);

    // A burst: every answered call's evaluation (and each access request's audit event) was committed.
    const expected = new Set<string>();
    const tStart = Date.now();
    for (let wave = 0; wave < 10; wave++) {
      await Promise.all(
        Array.from({ length: 20 }, async (_x, i) => {
          const res =
            i % 5 === 0
              ? await call('POST', '/v1/access-requests', {
                  entitlement: { target: { type: 'AWS::Account', id: String(i) }, role: { type: 'Role', id: 'admin' } },
                  justification: 'burst',
                  duration_seconds: 600,
                })
              : await call('GET', '/v1/webhook-integrations?page_size=1');
          expected.add(res.headers.get('cf-authorization-evaluation')!);
          await res.text();
        }),
      );
    }
    const tb = Date.now();
    await receiver.waitFor((all) => all.length >= 40);
    process.stdout.write(`burst ${tb - tStart} ms, 40 received ${Date.now() - tb} ms\n`);
    expect(receiver.received.length).toBeLessThan(expected.size); // really mid-delivery
    await proc.kill('SIGKILL');
    const beforeRestart = receiver.received.length;

    const t0 = Date.now();
    proc = await startServiceProcess({ apiKey, env });
    process.stdout.write(`restarted in ${Date.now() - t0} ms\n`);
    const pool = new Pool({ connectionString: databaseUrl, max: 1 });
    try {
      const { rows } = await pool.query<{ id: string }>(`SELECT id FROM audit_events`);
      for (const r of rows) expected.add(r.id);
      // Everything committed before the crash arrives; the second process adds its own authorization events.
      await receiver.waitFor((all) => {
        const ids = new Set(all.map((x) => x.id));
        return [...expected].every((id) => ids.has(id));
      }, 60_000);
      process.stdout.write(`all received ${Date.now() - t0} ms after restart\n`);
      // Their results are recorded too (batched just after the receipt).
      for (let i = 0; i < 100; i++) {
        const pending = await pool.query(`SELECT count(*)::int AS n FROM deliveries WHERE status <> 'SUCCEEDED' AND event_id = ANY($1)`, [[...expected]]);
        if (pending.rows[0].n === 0) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const pending = await pool.query(`SELECT count(*)::int AS n FROM deliveries WHERE status <> 'SUCCEEDED' AND event_id = ANY($1)`, [[...expected]]);
      expect(pending.rows[0].n).toBe(0);
    } finally {
      await pool.end();
    }
    const ids = receiver.received.map((x) => x.id);
    const duplicates = ids.length - new Set(ids).size;
    expect(receiver.received.every((x) => x.verified)).toBe(true);
    // Reported, not asserted: at-least-once allows duplicates (deliveries in flight at the kill).
    process.stdout.write(
      `crash test: ${expected.size} events, ${beforeRestart} receipts before the kill, ${ids.length} receipts in all, ${duplicates} duplicates\n`,
    );
  });
});
