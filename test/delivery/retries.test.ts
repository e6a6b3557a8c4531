import { createIntegration, Receiver, requestAccess, startDeliveryService, waitUntil, type DeliveryTestService } from './harness';

/** Failure handling: the retry schedule, Retry-After, 410, exhaustion and recovery, manual retry, test events. */
describe('retries and integration health', () => {
  let svc: DeliveryTestService;
  const receivers: Receiver[] = [];
  const receiver = async (...args: ConstructorParameters<typeof Receiver>) => {
    const r = await new Receiver(...args).start();
    receivers.push(r);
    return r;
  };

  beforeAll(async () => {
    svc = await startDeliveryService({ env: { CF_WEBHOOK_RETRY_SCHEDULE: '0.2,0.4' } });
  });
  afterAll(async () => {
    await svc.stop();
    for (const r of receivers) await r.stop();
  });

  const integration = (id: string) => svc.api('GET', `/v1/webhook-integrations/${id}`).then((r) => r.body);
  const deliveries = (id: string, status?: string) =>
    svc.api('GET', `/v1/webhook-integrations/${id}/deliveries${status ? `?status=${status}` : ''}`).then((r) => r.body.items as Array<Record<string, any>>);
  const detail = (iid: string, did: string) => svc.api('GET', `/v1/webhook-integrations/${iid}/deliveries/${did}`).then((r) => r.body);

  test('failing twice then succeeding: retried on the schedule (±20% jitter), same webhook-id every time', async () => {
    const r = await receiver((_x, res, n) => res.writeHead(n <= 2 ? 500 : 200).end(n <= 2 ? 'not yet' : 'ok'));
    const { id } = await createIntegration(svc, r);
    await requestAccess(svc);
    const got = await r.waitFor((all) => all.length >= 3);
    await new Promise((res) => setTimeout(res, 300));
    expect(r.received.length).toBe(3);
    expect(new Set(got.map((x) => x.id)).size).toBe(1);
    expect(got.every((x) => x.verified)).toBe(true);
    const gap1 = got[1].at - got[0].at;
    const gap2 = got[2].at - got[1].at;
    expect(gap1).toBeGreaterThanOrEqual(0.2 * 0.8 * 1000 - 5);
    expect(gap1).toBeLessThan(0.2 * 1.2 * 1000 + 400);
    expect(gap2).toBeGreaterThanOrEqual(0.4 * 0.8 * 1000 - 5);
    expect(gap2).toBeLessThan(0.4 * 1.2 * 1000 + 400);
    const [d] = await waitUntil(async () => {
      const list = await deliveries(id, 'SUCCEEDED');
      return list.length === 1 && list;
    });
    const full = await detail(id, d.id);
    expect(full.attempt_count).toBe(3);
    expect(full.attempts.map((a: { status_code: number }) => a.status_code)).toEqual([500, 500, 200]);
    expect(full.attempts[0].response_excerpt).toBe('not yet');
    expect((await integration(id)).status).toBe('HEALTHY');
  });

  test('Retry-After (seconds and HTTP date) is honoured instead of the schedule', async () => {
    const r = await receiver((_x, res, n) => {
      if (n === 1) res.writeHead(503, { 'Retry-After': '1' }).end();
      else if (n === 2) res.writeHead(429, { 'Retry-After': new Date(Date.now() + 2000).toUTCString() }).end();
      else res.writeHead(204).end();
    });
    await createIntegration(svc, r);
    await requestAccess(svc);
    const got = await r.waitFor((all) => all.length >= 3);
    expect(got[1].at - got[0].at).toBeGreaterThanOrEqual(950);
    // The HTTP date has one-second resolution: at least ~1 s, and clearly more than the 0.4 s schedule step.
    expect(got[2].at - got[1].at).toBeGreaterThanOrEqual(900);
  });

  test('exhausted retries fail the delivery and mark the integration UNHEALTHY; the next success heals it', async () => {
    let healthy = false;
    const r = await receiver((_x, res) => res.writeHead(healthy ? 200 : 502).end());
    const { id } = await createIntegration(svc, r);
    await requestAccess(svc);
    await r.waitFor((all) => all.length >= 3);
    const failed = await waitUntil(async () => {
      const list = await deliveries(id, 'FAILED');
      return list.length === 1 && list;
    });
    expect(failed[0]).toMatchObject({ attempt_count: 3, last_status_code: 502 });
    const sick = await waitUntil(async () => {
      const w = await integration(id);
      return w.status === 'UNHEALTHY' && w;
    });
    expect(sick.last_error).toContain('HTTP 502');
    expect(sick.last_error).toContain(failed[0].id);
    await new Promise((res) => setTimeout(res, 500));
    expect(r.received.length).toBe(3); // 1 + the schedule's 2 retries, no more

    healthy = true;
    await requestAccess(svc);
    await r.waitFor((all) => all.length >= 4);
    const well = await waitUntil(async () => {
      const w = await integration(id);
      return w.status === 'HEALTHY' && w;
    });
    expect(well.last_error).toBeNull();

    // A manual retry sends the failed delivery again, with the same webhook-id.
    const retried = await svc.api('POST', `/v1/webhook-integrations/${id}/deliveries/${failed[0].id}/retry`);
    expect(retried.status).toBe(202);
    expect(retried.body.status).toBe('PENDING');
    await r.waitFor((all) => all.length >= 5);
    expect(r.received[4].id).toBe(r.received[0].id);
    await waitUntil(async () => (await detail(id, failed[0].id)).status === 'SUCCEEDED');
  });

  test('changing the URL of a DISABLED integration re-enables it for the new destination', async () => {
    const gone = await receiver((_x, res) => res.writeHead(410).end());
    const { id, secret } = await createIntegration(svc, gone);
    await requestAccess(svc);
    await waitUntil(async () => (await integration(id)).status === 'DISABLED');

    const fresh = await receiver((_x, res) => res.writeHead(204).end());
    fresh.secrets.push(secret);
    const renamed = await svc.api('PATCH', `/v1/webhook-integrations/${id}`, { name: 'renamed only' });
    expect(renamed.body).toMatchObject({ status: 'DISABLED' }); // other fields leave the health alone
    const moved = await svc.api('PATCH', `/v1/webhook-integrations/${id}`, { url: fresh.url });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ status: 'HEALTHY', last_error: null, url: fresh.url });
    await requestAccess(svc);
    const [got] = await fresh.waitFor((all) => all.length >= 1);
    expect(got.verified).toBe(true);
    expect(gone.received.length).toBe(1);
  });

  test('410 Gone disables the integration: its deliveries stop until a successful test event re-enables it', async () => {
    let gone = true;
    const r = await receiver((_x, res) => res.writeHead(gone ? 410 : 200).end());
    const { id } = await createIntegration(svc, r);
    await requestAccess(svc);
    await r.waitFor((all) => all.length >= 1);
    const disabled = await waitUntil(async () => {
      const w = await integration(id);
      return w.status === 'DISABLED' && w;
    });
    expect(disabled.last_error).toContain('410');
    await new Promise((res) => setTimeout(res, 800));
    expect(r.received.length).toBe(1); // no retries after 410
    await requestAccess(svc);
    await new Promise((res) => setTimeout(res, 500));
    expect(r.received.length).toBe(1); // nothing queued while DISABLED

    gone = false;
    const test = await svc.api('POST', `/v1/webhook-integrations/${id}/test`);
    expect(test.status).toBe(200);
    expect(test.body).toMatchObject({ delivered: true, attempt: { status_code: 200, error: null } });
    const testReceipt = r.received.at(-1)!;
    expect(testReceipt.verified).toBe(true);
    expect(testReceipt.id).toBe(test.body.event_id);
    expect((await integration(id)).status).toBe('HEALTHY');
    await requestAccess(svc);
    await r.waitFor((all) => all.filter((x) => x.json.action === 'grant.requested').length >= 2);
  });

  test('a test event to an unreachable destination reports the failure on the attempt', async () => {
    const r = await receiver();
    const { id } = await createIntegration(svc, r);
    await r.stop();
    receivers.splice(receivers.indexOf(r), 1);
    const test = await svc.api('POST', `/v1/webhook-integrations/${id}/test`);
    expect(test.body.delivered).toBe(false);
    expect(test.body.attempt.status_code).toBeNull();
    expect(test.body.attempt.error).toMatch(/ECONNREFUSED/);
  });

  test('rotating the secret: the old one keeps signing beside the new one', async () => {
    const r = await receiver();
    const { id, secret: old } = await createIntegration(svc, r);
    const rotated = await svc.api('POST', `/v1/webhook-integrations/${id}/secret/rotate`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(rotated.body.secret).not.toBe(old);
    const expires = Date.parse(rotated.body.previous_secret_expires_at);
    expect(expires - Date.now()).toBeGreaterThan(23.9 * 3600 * 1000);
    expect((await svc.api('GET', `/v1/webhook-integrations/${id}/secret`)).body.secret).toBe(rotated.body.secret);
    // Read-only principals may not read the secret.
    expect((await svc.api('GET', `/v1/webhook-integrations/${id}/secret`, undefined, svc.readOnlyApiKey)).status).toBe(403);

    await requestAccess(svc);
    const [x] = await r.waitFor((all) => all.length >= 1);
    const sigs = String(x.headers['webhook-signature']).split(' ');
    expect(sigs).toHaveLength(2);
    const { Webhook } = await import('standardwebhooks');
    for (const s of [old, rotated.body.secret]) expect(() => new Webhook(s).verify(x.body, x.headers as Record<string, string>)).not.toThrow();
    // Custom headers are sent; the secret itself never is.
    expect(JSON.stringify(x.headers)).not.toContain(old.slice(6));
  });
});
