import type { ServerResponse } from 'node:http';
import { createIntegration, Receiver, requestAccess, startDeliveryService, waitUntil, type DeliveryTestService } from './harness';

/**
 * The circuit breaker as an operator sees it: a destination that keeps failing drops to a single probe in
 * flight, its state shows in the API and in /metrics, and once it answers again it recovers, its queued
 * deliveries going out in their due order without having spent retries while it was down.
 */
describe('a failing destination backs off by itself', () => {
  let svc: DeliveryTestService;
  let receiver: Receiver;
  let failing = false;
  let inFlight = 0;
  let maxInFlight = 0;
  let requests = 0;

  beforeAll(async () => {
    svc = await startDeliveryService({
      env: { CF_WEBHOOK_CONCURRENCY_PER_DESTINATION: '8', CF_WEBHOOK_RETRY_SCHEDULE: '0.2,0.4,0.8,1.6,3.2,6.4,12.8' },
    });
    // Answers after 30 ms, so attempts in flight together overlap at the receiver.
    receiver = await new Receiver((_r, res: ServerResponse) => {
      requests++;
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const status = failing ? 503 : 204;
      setTimeout(() => {
        inFlight--;
        res.writeHead(status).end();
      }, 30);
    }).start();
  });
  afterAll(async () => {
    await svc.stop();
    await receiver.stop();
  });

  const view = (id: string) => svc.api('GET', `/v1/webhook-integrations/${id}`).then((r) => r.body);

  test('drops to one probe, shows it in the API and /metrics, and recovers as successes return', async () => {
    const { id } = await createIntegration(svc, receiver);
    await requestAccess(svc);
    await receiver.waitFor((all) => all.length >= 1);
    expect((await view(id)).circuit).toEqual({ state: 'CLOSED', max_in_flight: null, consecutive_failures: 0, changed_at: null, next_probe_at: null });

    failing = true;
    const EVENTS = 20;
    for (let i = 0; i < EVENTS; i++) await requestAccess(svc);
    const open = await waitUntil(async () => {
      const v = await view(id);
      return v.circuit.state === 'OPEN' && v;
    });
    expect(open.circuit).toMatchObject({ state: 'OPEN', max_in_flight: 1, consecutive_failures: expect.any(Number) });
    expect(open.circuit.consecutive_failures).toBeGreaterThanOrEqual(5);
    expect(Date.parse(open.circuit.next_probe_at)).toBeGreaterThan(Date.parse(open.circuit.changed_at));

    const metrics = await fetch(`${svc.baseUrl}/metrics`).then((r) => r.text());
    expect(metrics).toContain(`cf_webhook_circuit_max_in_flight{integration_id="${id}",state="open"} 1`);
    expect(metrics).toContain('cf_webhook_integrations_by_circuit{state="open"} 1');

    // Once the attempts started before it opened are over: one probe at a time, spaced out.
    await waitUntil(async () => inFlight === 0);
    maxInFlight = 0;
    const before = requests;
    await new Promise((r) => setTimeout(r, 2000));
    expect(maxInFlight).toBeLessThanOrEqual(1);
    expect(requests - before).toBeGreaterThanOrEqual(1);
    expect(requests - before).toBeLessThanOrEqual(6); // probes 0.2, 0.4, 0.8 … s apart
    const failedAttempts = requests - 1;

    failing = false;
    maxInFlight = 0;
    const closed = await waitUntil(async () => {
      const v = await view(id);
      return v.circuit.state === 'CLOSED' && v;
    }, 30_000);
    expect(closed.circuit).toMatchObject({ max_in_flight: null, consecutive_failures: 0, next_probe_at: null });
    const items = await waitUntil(async () => {
      const list = await svc.api('GET', `/v1/webhook-integrations/${id}/deliveries?page_size=100`);
      return list.body.items.length === EVENTS + 1 && list.body.items.every((d: { status: string }) => d.status === 'SUCCEEDED') && list.body.items;
    });
    expect(maxInFlight).toBeGreaterThan(1); // recovered beyond the single probe

    // Deliveries never tried while it failed went out once each, in the order they fell due.
    const details = await Promise.all(items.map((d: { id: string }) => svc.api('GET', `/v1/webhook-integrations/${id}/deliveries/${d.id}`).then((r) => r.body)));
    const untried = details
      .filter((d) => d.attempts.length === 1)
      .sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at) || a.id.localeCompare(b.id));
    const retried = details.filter((d) => d.attempts.length > 1);
    expect(retried.reduce((n, d) => n + d.attempts.length - 1, 0)).toBe(failedAttempts);
    expect(untried.length).toBeGreaterThan(0);
    const starts = untried.map((d) => Date.parse(d.attempts[0].attempted_at));
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
  });
});
