import { FailingDestinations, type FailureKind } from './failing';
import { createIntegration, Receiver, startDeliveryService, type DeliveryTestService } from './harness';

/**
 * The operator's scenario: 24 destinations failing in ordinary ways (10 that accept and never answer, 5 that
 * answer 500 after 5 s, 5 that reset the connection, 4 with nothing listening) and one healthy receiver, all
 * subscribed to authorization events, with the service's default delivery settings (256 in flight, 32 per
 * destination, 15 s attempt timeout, the default retry schedule). 300 API calls must all reach the healthy
 * receiver within 10 s.
 */
describe('many failing destinations', () => {
  let svc: DeliveryTestService;
  let healthy: Receiver;
  const failing = new FailingDestinations();
  const kinds: FailureKind[] = [
    ...Array<FailureKind>(10).fill('hang'),
    ...Array<FailureKind>(5).fill('slow-500'),
    ...Array<FailureKind>(5).fill('reset'),
    ...Array<FailureKind>(4).fill('refused'),
  ];

  beforeAll(async () => {
    svc = await startDeliveryService({
      env: { CF_WEBHOOK_TIMEOUT_MS: '15000', CF_WEBHOOK_RETRY_SCHEDULE: '5,300,1800,7200,18000,36000,36000' },
    });
    healthy = await new Receiver().start();
    await failing.start(kinds);
  });
  afterAll(async () => {
    await failing.stop();
    await svc.stop();
    await healthy.stop();
  });

  test('24 failing destinations of mixed kinds: all 300 events reach the healthy one within 10 s', async () => {
    const subscribe = { send_audit_log_events: false, send_authorization_events: true };
    for (const url of failing.urls) await createIntegration(svc, { url, secrets: [] }, subscribe);
    const { id: healthyId } = await createIntegration(svc, healthy, subscribe);

    const started = Date.now();
    const ids = new Set<string>();
    let next = 0;
    // 300 calls, 10 at a time, as a script or a dashboard would make them.
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        while (next < 300) {
          next++;
          const res = await svc.api('GET', '/v1/webhook-integrations?page_size=1');
          expect(res.status).toBe(200);
          ids.add(res.headers.get('cf-authorization-evaluation')!);
        }
      }),
    );
    const called = Date.now() - started;
    const arrived = await healthy.waitFor((all) => {
      const got = new Set(all.map((r) => r.id));
      return [...ids].every((id) => got.has(id));
    }, 10_000 - (Date.now() - started));
    const took = Date.now() - started;
    process.stdout.write(`300 API calls in ${called} ms; all 300 events at the healthy receiver ${took} ms after the first call\n`);
    expect(took).toBeLessThanOrEqual(10_000);
    expect(arrived.filter((r) => ids.has(r.id)).every((r) => r.verified)).toBe(true);
    // The failing destinations were really tried while this happened.
    expect(failing.requests.get('hang')).toBeGreaterThanOrEqual(10);
    expect(failing.requests.get('reset')).toBeGreaterThanOrEqual(5);

    const view = await svc.api('GET', `/v1/webhook-integrations/${healthyId}`);
    expect(view.body.status).toBe('HEALTHY');
  });
});
