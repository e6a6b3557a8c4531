import { createIntegration, requestAccess, startDeliveryService, startReceiver as receiver, waitUntil, type DeliveryTestService } from './harness';

/** An operator's controls: pause, resume and recover, through the API with real deliveries on loopback. */
describe('pause, resume and recover', () => {
  let svc: DeliveryTestService;

  beforeAll(async () => {
    svc = await startDeliveryService({ env: { CF_WEBHOOK_RETRY_SCHEDULE: '0.2,0.4', CF_WEBHOOK_CONCURRENCY_PER_DESTINATION: '2' } });
  });
  afterAll(() => svc.stop());

  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const integration = (id: string) => svc.api('GET', `/v1/webhook-integrations/${id}`);
  const post = (id: string, verb: string, body?: unknown, key?: string) => svc.api('POST', `/v1/webhook-integrations/${id}/${verb}`, body, key);
  const deliveriesOf = async (id: string) => {
    const { rows } = await svc.service.db.pool.query<{ id: string; event_id: string; status: string; attempts: number; created_at: Date }>(
      'SELECT id, event_id, status, attempts, created_at FROM deliveries WHERE integration_id = $1 ORDER BY created_at, id',
      [id],
    );
    return rows;
  };

  test('paused: events queue and nothing is sent; GET and list show PAUSED; resume sends the queue oldest first within the concurrency', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const r = await receiver((_x, res) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      setTimeout(() => {
        inFlight--;
        res.writeHead(204).end();
      }, 100);
    });
    const { id } = await createIntegration(svc, r);
    const before = await integration(id);

    const paused = await post(id, 'pause');
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({ id, status: 'PAUSED' });
    // Not a configuration change: same ETag, same updated_at.
    expect(paused.headers.get('etag')).toBe(before.headers.get('etag'));
    expect(paused.body.updated_at).toBe(before.body.updated_at);
    expect((await integration(id)).body.status).toBe('PAUSED');
    const listed = await svc.api('GET', '/v1/webhook-integrations?page_size=100');
    expect(listed.body.items.find((w: { id: string }) => w.id === id).status).toBe('PAUSED');
    expect((await post(id, 'pause')).body.status).toBe('PAUSED'); // pausing again changes nothing

    const EVENTS = 6;
    for (let i = 0; i < EVENTS; i++) await requestAccess(svc);
    await sleep(1000);
    expect(r.received).toHaveLength(0);
    const queued = await deliveriesOf(id);
    expect(queued).toHaveLength(EVENTS);
    expect(queued.every((d) => d.status === 'PENDING' && d.attempts === 0)).toBe(true);

    const resumed = await post(id, 'resume');
    expect(resumed.status).toBe(200);
    expect(resumed.body).toMatchObject({ status: 'HEALTHY', last_error: null });
    await r.waitFor((all) => all.length >= EVENTS);
    // At most the destination's concurrency (2) at once, and the queue taken oldest first: the first two sent are
    // the two oldest, the first four the four oldest.
    expect(maxInFlight).toBe(2);
    const order = queued.map((d) => d.event_id);
    const sent = r.received.map((x) => x.id);
    expect(new Set(sent.slice(0, 2))).toEqual(new Set(order.slice(0, 2)));
    expect(new Set(sent.slice(0, 4))).toEqual(new Set(order.slice(0, 4)));
    expect(new Set(sent)).toEqual(new Set(order));
    expect(r.received.every((x) => x.verified)).toBe(true);
    expect((await post(id, 'resume')).body.status).toBe('HEALTHY'); // resuming what is not paused changes nothing
  });

  test('pausing a busy integration: attempts in flight finish, what the worker already holds is handed back, not sent', async () => {
    // Each answer takes 800 ms, so with 2 in flight the worker holds the next ones claimed and waiting for a slot.
    const r = await receiver((_x, res) => setTimeout(() => res.writeHead(204).end(), 800));
    const { id } = await createIntegration(svc, r);
    const EVENTS = 10;
    for (let i = 0; i < EVENTS; i++) await requestAccess(svc);
    await r.waitFor((all) => all.length >= 2);
    const held = async () => {
      const { rows } = await svc.service.db.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM deliveries WHERE integration_id = $1 AND status = 'PENDING' AND lease_expires_at > now()`,
        [id],
      );
      return rows[0].n;
    };
    await waitUntil(async () => (await held()) > 2, 10_000, 'the worker to hold more than it has in flight');
    const startedBeforePause = r.received.length;
    await post(id, 'pause');
    // Two answer periods later: only what was in flight at the pause (and, at worst, what started as it landed).
    await sleep(2000);
    expect(r.received.length).toBeLessThanOrEqual(startedBeforePause + 2);
    // The rest are back in the queue at once (not left to their leases) and PENDING.
    await waitUntil(async () => (await held()) === 0, 5_000, 'the held deliveries to be handed back');
    const rows = await deliveriesOf(id);
    expect(rows.filter((d) => d.status === 'PENDING').length).toBe(EVENTS - r.received.length);

    await post(id, 'resume');
    await r.waitFor((all) => all.length >= EVENTS, 20_000);
    expect(new Set(r.received.map((x) => x.id)).size).toBe(EVENTS);
  });

  test('a paused integration stays paused through a URL change, a successful test event and a failing attempt', async () => {
    const r = await receiver();
    const { id, secret } = await createIntegration(svc, r);
    await post(id, 'pause');
    const moved = await receiver();
    moved.secrets.push(secret);
    const patched = await svc.api('PATCH', `/v1/webhook-integrations/${id}`, { url: moved.url });
    expect(patched.body).toMatchObject({ url: moved.url, status: 'PAUSED' });
    const tested = await post(id, 'test');
    expect(tested.body.delivered).toBe(true);
    expect((await integration(id)).body.status).toBe('PAUSED');
    expect(moved.received).toHaveLength(1); // the test event only
    await requestAccess(svc);
    await sleep(500);
    expect(moved.received).toHaveLength(1);
  });

  test('recover re-sends the FAILED deliveries created since a given time, with their webhook-id and a fresh retry budget', async () => {
    let failing = true;
    // 400: each delivery fails after its retries, while the destination's circuit stays closed (it answers), so
    // the retries go out on the schedule rather than one probe at a time.
    const r = await receiver((_x, res) => res.writeHead(failing ? 400 : 204).end());
    const { id } = await createIntegration(svc, r);
    const failed = async (n: number) => waitUntil(async () => (await deliveriesOf(id)).filter((d) => d.status === 'FAILED').length >= n && true, 20_000, `${n} failed`);

    await requestAccess(svc);
    await requestAccess(svc);
    await failed(2);
    await sleep(1100); // deliveries are stamped in microseconds; a clear gap makes the window obvious
    const since = new Date().toISOString();
    await requestAccess(svc);
    await requestAccess(svc);
    await requestAccess(svc);
    await failed(5);
    const all = await deliveriesOf(id);
    const early = all.filter((d) => d.created_at < new Date(since));
    const late = all.filter((d) => d.created_at >= new Date(since));
    expect(early).toHaveLength(2);
    expect(late).toHaveLength(3);
    const attemptsBefore = r.received.length; // 3 tries each
    expect(attemptsBefore).toBe(15);

    failing = false;
    // Held first, to see the recovered deliveries pending: a repeat then queues nothing more.
    await post(id, 'pause');
    const recovered = await post(id, 'recover', { since });
    expect(recovered.status).toBe(202);
    expect(recovered.body).toMatchObject({ queued: 3, since });
    expect(Date.parse(recovered.body.until)).toBeGreaterThan(Date.parse(since));
    const again = await post(id, 'recover', { since });
    expect(again.body.queued).toBe(0);
    const pending = (await deliveriesOf(id)).filter((d) => d.status === 'PENDING');
    expect(pending.map((d) => d.id).sort()).toEqual(late.map((d) => d.id).sort());
    expect(pending.every((d) => d.attempts === 0)).toBe(true); // a fresh budget

    await post(id, 'resume');
    await r.waitFor((got) => got.length >= attemptsBefore + 3);
    await sleep(300);
    const resent = r.received.slice(attemptsBefore);
    expect(resent).toHaveLength(3); // each once
    expect(new Set(resent.map((x) => x.id))).toEqual(new Set(late.map((d) => d.event_id)));
    expect(resent.every((x) => x.verified)).toBe(true);
    await waitUntil(async () => (await deliveriesOf(id)).filter((d) => d.status === 'SUCCEEDED').length === 3);
    const detail = await svc.api('GET', `/v1/webhook-integrations/${id}/deliveries/${late[0].id}`);
    expect(detail.body).toMatchObject({ status: 'SUCCEEDED', attempt_count: 1 });
    expect(detail.body.attempts.map((a: { status_code: number }) => a.status_code)).toEqual([400, 400, 400, 204]);

    // A window with an end: only the early two, and an Idempotency-Key replays the answer.
    const key = `recover-${Date.now()}`;
    const bounded = await post(id, 'recover', { since: new Date(Date.now() - 3_600_000).toISOString(), until: since });
    expect(bounded.body.queued).toBe(2);
    await r.waitFor((got) => got.length >= attemptsBefore + 5);
    expect(new Set(r.received.slice(attemptsBefore + 3).map((x) => x.id))).toEqual(new Set(early.map((d) => d.event_id)));
    const first = await fetch(`${svc.baseUrl}/v1/webhook-integrations/${id}/recover`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${svc.apiKey}`, 'Content-Type': 'application/json', 'Idempotency-Key': key },
      body: JSON.stringify({ since }),
    });
    const replay = await fetch(`${svc.baseUrl}/v1/webhook-integrations/${id}/recover`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${svc.apiKey}`, 'Content-Type': 'application/json', 'Idempotency-Key': key },
      body: JSON.stringify({ since }),
    });
    expect(replay.status).toBe(202);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(await replay.json()).toEqual(await first.json());
  });

  test('recover refuses a bad window, listing every problem with its path', async () => {
    const r = await receiver();
    const { id } = await createIntegration(svc, r);
    const bad = await post(id, 'recover', { since: 'yesterday', until: 12, extra: true });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['extra', 'since', 'until']);
    const backwards = await post(id, 'recover', { since: '2026-12-01T12:00:00Z', until: '2026-12-01T11:00:00Z' });
    expect(backwards.status).toBe(400);
    expect(backwards.body.errors).toEqual([{ path: 'until', message: 'must be later than since' }]);
    expect((await post(id, 'recover', {})).body.errors[0].path).toBe('since');
    expect((await post('whk_2f0ChzJvrOOqchMhRmJieErz9Bl', 'recover', { since: '2026-01-01T00:00:00Z' })).status).toBe(404);
    expect((await post('whk_2f0ChzJvrOOqchMhRmJieErz9Bl', 'pause')).status).toBe(404);
    expect((await post('whk_2f0ChzJvrOOqchMhRmJieErz9Bl', 'resume')).status).toBe(404);
  });

  test('each is a Cedar-checked action of its own: read_only gets 403, the denial is stored and emitted; admins’ calls are emitted too', async () => {
    const audit = await receiver();
    await createIntegration(svc, audit, { send_audit_log_events: false, send_authorization_events: true });
    const r = await receiver();
    const { id } = await createIntegration(svc, r);
    const calls = [
      ['pause', undefined, 'PauseWebhookIntegration'],
      ['resume', undefined, 'ResumeWebhookIntegration'],
      ['recover', { since: '2026-12-01T00:00:00Z' }, 'RecoverWebhookDeliveries'],
    ] as const;
    for (const [verb, body, action] of calls) {
      const statusBefore = (await integration(id)).body.status;
      const denied = await post(id, verb, body, svc.readOnlyApiKey);
      expect(denied.status).toBe(403);
      expect(denied.body.detail).toContain(`commonfate.control.integration.v1alpha1.IntegrationService/${action}`);
      const evaluationId = denied.headers.get('cf-authorization-evaluation')!;
      const { rows } = await svc.service.db.pool.query<{ allowed: boolean; action: string }>('SELECT allowed, action FROM authorization_evaluations WHERE id = $1', [
        evaluationId,
      ]);
      expect(rows).toEqual([{ allowed: false, action: `commonfate.control.integration.v1alpha1.IntegrationService/${action}` }]);
      const [event] = await audit.waitFor((all) => all.some((x) => x.id === evaluationId)).then((all) => all.filter((x) => x.id === evaluationId));
      expect(event.json).toMatchObject({ decision: 4, allowed: false, request: { action: { type: 'CF::RPC::Action', id: `commonfate.control.integration.v1alpha1.IntegrationService/${action}` } } });
      expect((await integration(id)).body.status).toBe(statusBefore); // nothing changed
      const allowed = await post(id, verb, body);
      expect([200, 202]).toContain(allowed.status);
      const allowedId = allowed.headers.get('cf-authorization-evaluation')!;
      await audit.waitFor((all) => all.some((x) => x.id === allowedId && x.json.allowed === true));
    }
  });
});
