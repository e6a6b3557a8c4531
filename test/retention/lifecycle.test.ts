import { ksuid } from '../../api/ids';
import { createEmptyDatabase } from '../support/database';
import { createIntegration, Receiver, requestAccess, startDeliveryService, waitUntil, type DeliveryTestService } from '../delivery/harness';

/**
 * Retention with ages of a few seconds, end to end through the API: what is past retention answers 404, and
 * nothing a pending delivery needs is removed — the deliveries of a paused integration survive sweeps and go out
 * after resume. Sweeps run on demand (the timer's interval is an hour).
 */
const RETENTION_S = 3;

describe('retention through the API', () => {
  let svc: DeliveryTestService;
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await new Receiver().start();
    // An empty database: its partitions are made by this service, one second wide for a 3 s retention.
    svc = await startDeliveryService({
      databaseUrl: await createEmptyDatabase(),
      env: {
        CF_RETENTION_AUDIT_EVENTS: `${RETENTION_S}s`,
        CF_RETENTION_AUTHORIZATION_EVALUATIONS: `${RETENTION_S}s`,
        CF_RETENTION_DELIVERIES: `${RETENTION_S}s`,
        CF_RETENTION_SWEEP_INTERVAL: '1h',
      },
    });
  });
  afterAll(async () => {
    await svc?.stop();
    await receiver?.stop();
  });

  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const pastRetention = () => sleep((RETENTION_S + 1.5) * 1000);
  /** A sweep now; when the timer's own sweep holds the lock, the one after it. */
  const sweep = async () => {
    for (;;) {
      const report = await svc.service.retention.sweepOnce();
      if (report.outcome !== 'skipped') return report;
      await sleep(100);
    }
  };
  const evaluation = (id: string) => svc.api('GET', `/v1/authorization-evaluations/${id}`);
  const deliveries = (iid: string) => svc.api('GET', `/v1/webhook-integrations/${iid}/deliveries`).then((r) => r.body.items as Array<Record<string, any>>);
  /**
   * cf_retention_rows_pruned_total for `table` in this process. Counted over every sweep, the timer's too (its
   * first comes 10 s after start), so a sweep's own report may not hold what another sweep already removed.
   */
  const pruned = async (table: string) =>
    (await svc.service.retention.metrics.pruned.get()).values.find((v) => v.labels.table === table)?.value ?? 0;
  /** The status of the delivery of event `eventId` (one integration receives it), or undefined once removed. */
  const statusOf = async (eventId: string) => {
    const { rows } = await svc.service.db.pool.query<{ status: string }>('SELECT status FROM deliveries WHERE event_id = $1', [eventId]);
    return rows[0]?.status;
  };
  const auditIds = async () => {
    const { rows } = await svc.service.db.pool.query<{ id: string }>('SELECT id FROM audit_events ORDER BY id');
    return rows.map((r) => r.id);
  };

  test('an evaluation past retention answers 404, while a paused integration keeps its deliveries through a sweep and gets them after resume', async () => {
    const { id } = await createIntegration(svc, receiver, { send_audit_log_events: true });
    const paused = await svc.api('POST', `/v1/webhook-integrations/${id}/pause`);
    expect(paused.status).toBe(200);
    expect(paused.body.status).toBe('PAUSED');

    // Nothing receives authorization events, so this call's evaluation pins nothing.
    const read = await svc.api('GET', `/v1/webhook-integrations/${id}`);
    const oldEvaluation = read.headers.get('cf-authorization-evaluation')!;
    expect((await evaluation(oldEvaluation)).status).toBe(200);

    await requestAccess(svc); // grant.requested: one delivery to the paused integration, PENDING
    const [queued] = await deliveries(id);
    expect(queued).toMatchObject({ status: 'PENDING', event_type: 'audit_log', attempt_count: 0 });
    const eventsBefore = await auditIds();
    expect(eventsBefore).toContain(queued.event_id);

    await pastRetention();
    expect((await sweep()).outcome).toBe('completed');
    expect(await pruned('authorization_evaluations')).toBeGreaterThan(0);

    // Past retention and pinned by nothing: gone, and reading it is 404 like anything missing.
    const gone = await evaluation(oldEvaluation);
    expect(gone.status).toBe(404);
    expect(gone.headers.get('content-type')).toMatch(/application\/problem\+json/);
    // The paused integration's delivery and its event are kept, however old.
    const [kept] = await deliveries(id);
    expect(kept).toMatchObject({ id: queued.id, status: 'PENDING', attempt_count: 0 });
    expect(await auditIds()).toContain(queued.event_id);
    expect(receiver.received).toHaveLength(0);
    expect((await svc.api('GET', `/v1/webhook-integrations/${id}`)).body.status).toBe('PAUSED');

    const resumed = await svc.api('POST', `/v1/webhook-integrations/${id}/resume`);
    expect(resumed.body.status).toBe('HEALTHY');
    const [got] = await receiver.waitFor((all) => all.length >= 1);
    expect(got.id).toBe(queued.event_id);
    expect(got.json.action).toBe('grant.requested');
    expect(got.verified).toBe(true);

    // Delivered, it is finished work: once past retention it goes, with its event.
    await waitUntil(async () => (await deliveries(id)).find((d) => d.id === queued.id)?.status === 'SUCCEEDED');
    await pastRetention();
    await sweep();
    expect(await pruned('deliveries')).toBeGreaterThanOrEqual(1);
    expect(await pruned('delivery_attempts')).toBeGreaterThanOrEqual(1);
    expect((await svc.api('GET', `/v1/webhook-integrations/${id}/deliveries/${queued.id}`)).status).toBe(404);
    expect(await auditIds()).not.toContain(queued.event_id);
  });

  test('each kind goes at its own age; pending work and what it needs stay', async () => {
    // 400, not 5xx: the delivery fails after its retries while the circuit stays closed, so they go out on the
    // schedule (a 5xx would open it at the first failure and space the rest out as probes).
    const failing = await new Receiver((_r, res) => res.writeHead(400).end()).start();
    try {
      // Receives authorization events: every later call's evaluation has a delivery here, pending while paused.
      const { id } = await createIntegration(svc, failing, { send_audit_log_events: false, send_authorization_events: true });
      await svc.api('POST', `/v1/webhook-integrations/${id}/pause`);
      const pinned = (await svc.api('GET', `/v1/webhook-integrations/${id}`)).headers.get('cf-authorization-evaluation')!;
      await pastRetention();
      const young = (await svc.api('GET', `/v1/webhook-integrations/${id}`)).headers.get('cf-authorization-evaluation')!;
      const report = await sweep();
      expect(report.outcome).toBe('completed');
      // Pinned by its pending delivery: kept though past retention. Young: kept.
      expect((await evaluation(pinned)).status).toBe(200);
      expect((await evaluation(young)).status).toBe(200);
      expect(await statusOf(pinned)).toBe('PENDING');

      // Let it fail for good (retries exhausted): finished, so past retention it goes, and its event with it.
      await svc.api('POST', `/v1/webhook-integrations/${id}/resume`);
      await waitUntil(async () => (await statusOf(pinned)) === 'FAILED', 20_000, 'the delivery to fail');
      await svc.api('POST', `/v1/webhook-integrations/${id}/pause`); // later calls' deliveries wait, pinning only themselves
      await pastRetention();
      await sweep();
      expect((await evaluation(pinned)).status).toBe(404);
      expect(await statusOf(pinned)).toBeUndefined();
    } finally {
      await failing.stop();
    }
  });

  test('partitions are made ahead and dropped behind: the event tables stay a bounded set of partitions', async () => {
    const count = async (table: string) => {
      const { rows } = await svc.service.db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent = $1::regclass', [table]);
      return rows[0].n;
    };
    await svc.service.retention.ensurePartitions();
    const before = await count('authorization_evaluations');
    await pastRetention();
    await svc.service.retention.ensurePartitions();
    await sweep();
    // About 30 s of 1 s partitions ahead, a few behind; never the whole history of the test run.
    expect(await count('authorization_evaluations')).toBeLessThanOrEqual(before + 2);
    expect(await count('authorization_evaluations')).toBeGreaterThanOrEqual(30);
    // Ids made 25 s from now already have a partition (storing an event never waits for one).
    const client = await svc.service.db.pool.connect();
    try {
      await client.query('BEGIN');
      await expect(
        client.query(`INSERT INTO authorization_evaluations (id, principal, action, allowed, payload, evaluated_at) VALUES ($1, 'p', 'a', true, '{}', now())`, [
          'eval_' + ksuid(new Date(Date.now() + 25_000)),
        ]),
      ).resolves.toBeDefined();
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });
});
