import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Pool } from 'pg';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../api/db/embedded';
import { createIntegration, Receiver, startDeliveryService, type DeliveryTestService } from './harness';

/**
 * PostgreSQL restarts under a running service (a cluster of this test's own). The embedded cluster comes back on
 * a new port, so the service reaches it through a fixed local TCP relay that follows the cluster; the relay only
 * forwards bytes, and every connection is cut when the cluster stops.
 */
describe('PostgreSQL restart while the service runs', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cf-pg-restart-'));
  let pg: EmbeddedPostgres;
  let upstreamPort = 0;
  let relay: Server;
  const relayed = new Set<Socket>();
  let svc: DeliveryTestService | undefined;
  let receiver: Receiver;

  beforeAll(async () => {
    pg = await startEmbeddedPostgres(dataDir, pino({ level: 'silent' }));
    upstreamPort = Number(new URL(pg.url).port);
    relay = createServer((down) => {
      const up = connect(upstreamPort, '127.0.0.1');
      relayed.add(down).add(up);
      const drop = () => {
        down.destroy();
        up.destroy();
        relayed.delete(down);
        relayed.delete(up);
      };
      down.on('error', drop).on('close', drop);
      up.on('error', drop).on('close', drop);
      down.pipe(up).pipe(down);
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', () => r()));
    receiver = await new Receiver((_r, res) => setTimeout(() => res.writeHead(200).end(), 100)).start();
  });
  afterAll(async () => {
    await svc?.stop();
    await receiver.stop();
    for (const s of relayed) s.destroy();
    await new Promise((r) => relay.close(r));
    await pg.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('delivery resumes after the database comes back, without restarting the service, and nothing is lost', async () => {
    const url = new URL(pg.url);
    url.port = String((relay.address() as { port: number }).port);
    svc = await startDeliveryService({ databaseUrl: url.toString(), env: { CF_WEBHOOK_CONCURRENCY_PER_DESTINATION: '4' } });
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
    await pg.stop();
    const during = await svc.api('GET', `/v1/webhook-integrations/${id}`).catch(() => ({ status: 0 }));
    expect(during.status).not.toBe(200);
    await new Promise((r) => setTimeout(r, 1500));

    pg = await startEmbeddedPostgres(dataDir, pino({ level: 'silent' }));
    upstreamPort = Number(new URL(pg.url).port);
    // The service recovers by itself: calls succeed again, and delivery goes on.
    for (let i = 0; i < 100; i++) {
      const res = await svc.api('GET', `/v1/webhook-integrations/${id}`).catch(() => ({ status: 0 }));
      if (res.status === 200) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    await burst(10);
    await receiver.waitFor((all) => {
      const ids = new Set(all.map((x) => x.id));
      return [...answered].every((e) => ids.has(e));
    }, 60_000);

    const pool = new Pool({ connectionString: pg.url, max: 1 });
    try {
      let left = -1;
      for (let i = 0; i < 150 && left !== 0; i++) {
        const { rows } = await pool.query(`SELECT count(*)::int AS n FROM deliveries WHERE status <> 'SUCCEEDED' AND event_id = ANY($1)`, [[...answered]]);
        left = rows[0].n;
        if (left) await new Promise((r) => setTimeout(r, 100));
      }
      expect(left).toBe(0);
    } finally {
      await pool.end();
    }
    expect(receiver.received.every((x) => x.verified)).toBe(true);
  });
});
