import { Pool } from 'pg';
import { LOCKS } from '../../api/retention/locks';
import { createEmptyDatabase } from '../support/database';
import { startServiceProcess, type ServiceProcess } from '../support/service';
import { createIntegration, Receiver, requestAccess, startDeliveryService, waitUntil, type DeliveryTestService } from '../delivery/harness';

/**
 * The sweeper under load: a large backlog goes in batches (each committed on its own) while deliveries carry
 * on, and several processes on one database never sweep at the same time.
 */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `count` finished deliveries (one attempt each) to `integrationId` that finished an hour ago. */
async function backlog(pool: Pool, integrationId: string, count: number, tag: string): Promise<void> {
  await pool.query(
    `WITH d AS (
       INSERT INTO deliveries (id, integration_id, event_kind, event_id, status, attempts, created_at, updated_at, delivered_at)
       SELECT 'dlv_' || $3 || lpad(g::text, 27 - length($3), '0'), $1, 'AUDIT', 'evt_gone', 'SUCCEEDED', 1,
              now() - interval '1 hour', now() - interval '1 hour', now() - interval '1 hour'
       FROM generate_series(1, $2) g
       RETURNING id
     )
     INSERT INTO delivery_attempts (id, delivery_id, attempted_at, status_code, duration_ms)
     SELECT 'att_' || substr(id, 5), id, now() - interval '1 hour', 204, 3 FROM d`,
    [integrationId, count, tag],
  );
}

const oldDeliveries = async (pool: Pool) =>
  (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM deliveries WHERE event_id = 'evt_gone'`)).rows[0].n;

describe('the sweeper', () => {
  let svc: DeliveryTestService;
  let receiver: Receiver;
  let integrationId: string;

  beforeAll(async () => {
    receiver = await new Receiver().start();
    svc = await startDeliveryService({
      databaseUrl: await createEmptyDatabase(),
      env: { CF_RETENTION_DELIVERIES: '10m', CF_RETENTION_SWEEP_INTERVAL: '1h' },
    });
    integrationId = (await createIntegration(svc, receiver)).id;
  });
  afterAll(async () => {
    await svc?.stop();
    await receiver?.stop();
  });

  test('a backlog of 20,000 finished deliveries goes in batches of 1,000 while deliveries go on', async () => {
    const pool = svc.service.db.pool;
    await backlog(pool, integrationId, 20_000, 'b');
    expect(await oldDeliveries(pool)).toBe(20_000);

    // Watch the backlog from another connection while the sweep runs, and keep events flowing.
    const seen = new Set<number>();
    let sweeping = true;
    const watcher = new Pool({ connectionString: svc.service.databaseUrl, max: 1 });
    const watch = (async () => {
      while (sweeping) {
        seen.add(await oldDeliveries(watcher));
        await sleep(20);
      }
    })();
    const traffic = (async () => {
      let sent = 0;
      while (sweeping) {
        await requestAccess(svc);
        sent++;
        await sleep(25);
      }
      return sent;
    })();
    const receivedBefore = receiver.received.length;
    const report = await svc.service.retention.sweepOnce();
    const receivedDuring = receiver.received.length - receivedBefore;
    sweeping = false;
    const sent = await traffic;
    await watch;
    await watcher.end();

    expect(report).toMatchObject({ outcome: 'completed', pruned: { deliveries: 20_000, delivery_attempts: 20_000 } });
    expect(await oldDeliveries(pool)).toBe(0);
    // Each batch commits on its own: the watcher saw the backlog part-way down, more than once (one DELETE of
    // all 20,000 would show only 20,000 and then 0).
    const partWay = [...seen].filter((n) => n > 0 && n < 20_000);
    expect(partWay.length).toBeGreaterThanOrEqual(2);
    expect(partWay.every((n) => n % 1000 === 0)).toBe(true);
    // Deliveries went on meanwhile, and every event sent during the sweep arrives.
    expect(receivedDuring).toBeGreaterThan(0);
    await receiver.waitFor((all) => all.length >= receivedBefore + sent);
    // The young deliveries (minutes old, retention 10 min) were left alone.
    const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM deliveries WHERE event_id <> 'evt_gone'`);
    expect(rows[0].n).toBeGreaterThanOrEqual(sent);
  });

  test('two processes on one database never sweep at the same time', async () => {
    const pool = svc.service.db.pool;
    // A second process (a worker) sweeping every second, and this one sweeping in a loop, over a backlog that
    // keeps being refilled so sweeps last long enough to overlap if the lock let them.
    let other: ServiceProcess | undefined;
    const watcher = new Pool({ connectionString: svc.service.databaseUrl, max: 1 });
    try {
      other = await startServiceProcess({
        env: { DATABASE_URL: svc.service.databaseUrl, CF_ROLE: 'worker', PORT: '0', CF_RETENTION_DELIVERIES: '10m', CF_RETENTION_SWEEP_INTERVAL: '1s' },
      });
      const key = LOCKS.SWEEP;
      const holders: number[][] = [];
      let running = true;
      const watch = (async () => {
        while (running) {
          const { rows } = await watcher.query<{ pid: number }>(
            // Advisory locks are per database (other test files sweep their own databases on the same server).
            `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = $1 AND objid = $2 AND objsubid = 1
               AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
            [Number(key >> 32n), Number(key & 0xffff_ffffn)],
          );
          holders.push(rows.map((r) => r.pid));
          await sleep(10);
        }
      })();
      const outcomes: string[] = [];
      const theirs = async (outcome: string) => {
        const text = await (await fetch(`${other!.baseUrl}/metrics`)).text();
        return Number(new RegExp(`^cf_retention_sweeps_total\\{outcome="${outcome}"\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
      };
      // How often the two sweeps overlap depends on how fast each is on this machine: sweep for at least 8 s,
      // and on (up to 40 s) until each process has both swept and been turned away.
      const [least, most] = [Date.now() + 8000, Date.now() + 40_000];
      const done = async () =>
        outcomes.includes('completed') && outcomes.includes('skipped') && (await theirs('completed')) > 0 && (await theirs('skipped')) > 0;
      let round = 0;
      while (Date.now() < most && (Date.now() < least || !(await done()))) {
        await backlog(pool, integrationId, 3000, `r${round++}x`);
        outcomes.push((await svc.service.retention.sweepOnce()).outcome);
      }
      running = false;
      await watch;

      // Never two holders at once; both processes swept, and each was turned away at times.
      expect(Math.max(...holders.map((h) => h.length))).toBe(1);
      expect(holders.some((h) => h.length === 1)).toBe(true);
      expect(outcomes).toContain('completed');
      expect(outcomes).toContain('skipped');
      expect(await theirs('completed')).toBeGreaterThan(0);
      expect(await theirs('skipped')).toBeGreaterThan(0);
      // Whoever swept, the backlog is gone once a sweep has run after the last refill.
      await waitUntil(async () => (await oldDeliveries(pool)) === 0, 10_000, 'the backlog to be swept');
    } finally {
      await other?.kill();
      await watcher.end();
    }
  });
});
