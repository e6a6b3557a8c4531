import { FailingDestinations, type FailureKind } from './failing';
import { createIntegration, Receiver, startDeliveryService, type DeliveryTestService } from './harness';

/**
 * The operator's scenario: 24 destinations failing in ordinary ways (10 that accept and never answer, 5 that
 * answer 500 after 5 s, 5 that reset the connection, 4 with nothing listening) and one healthy receiver, all
 * subscribed to authorization events, with the service's default delivery settings (256 in flight, 32 per
 * destination, 15 s attempt timeout, the default retry schedule). 300 API calls must all reach the healthy
 * receiver within 10 s. The same calls with only the healthy receiver, on a service of its own in the same run,
 * are the baseline: on a machine so loaded that the calls alone take longer, the bound is 3 × that baseline.
 */
describe('many failing destinations', () => {
  const settings = { CF_WEBHOOK_TIMEOUT_MS: '15000', CF_WEBHOOK_RETRY_SCHEDULE: '5,300,1800,7200,18000,36000,36000' };
  const subscribe = { send_audit_log_events: false, send_authorization_events: true };
  const started: DeliveryTestService[] = [];
  const receivers: Receiver[] = [];
  const failing = new FailingDestinations();
  const kinds: FailureKind[] = [
    ...Array<FailureKind>(10).fill('hang'),
    ...Array<FailureKind>(5).fill('slow-500'),
    ...Array<FailureKind>(5).fill('reset'),
    ...Array<FailureKind>(4).fill('refused'),
  ];

  beforeAll(async () => {
    await failing.start(kinds);
  });
  afterAll(async () => {
    await failing.stop();
    for (const svc of started) await svc.stop();
    for (const r of receivers) await r.stop();
  });

  /** A service of its own with an integration per failing URL in `urls` and one for a healthy receiver. */
  async function setUp(urls: string[]): Promise<{ svc: DeliveryTestService; healthy: Receiver; healthyId: string }> {
    const svc = await startDeliveryService({ env: settings });
    started.push(svc);
    const healthy = await new Receiver().start();
    receivers.push(healthy);
    for (const url of urls) await createIntegration(svc, { url, secrets: [] }, subscribe);
    const { id: healthyId } = await createIntegration(svc, healthy, subscribe);
    return { svc, healthy, healthyId };
  }

  /** 300 API calls, 10 at a time, as a script or a dashboard would make them; ms until `healthy` has every event. */
  async function calls(svc: DeliveryTestService, healthy: Receiver, within: number): Promise<{ took: number; called: number }> {
    const t0 = Date.now();
    const ids = new Set<string>();
    let next = 0;
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
    const called = Date.now() - t0;
    const arrived = await healthy.waitFor((all) => {
      const got = new Set(all.map((r) => r.id));
      return [...ids].every((id) => got.has(id));
    }, Math.max(1000, within - called));
    expect(arrived.filter((r) => ids.has(r.id)).every((r) => r.verified)).toBe(true);
    return { took: Date.now() - t0, called };
  }

  test('24 failing destinations of mixed kinds: all 300 events reach the healthy one within 10 s', async () => {
    const alone = await setUp([]);
    const baseline = await calls(alone.svc, alone.healthy, 60_000);
    await alone.svc.stop();

    const { svc, healthy, healthyId } = await setUp(failing.urls);
    const bound = Math.max(10_000, 3 * baseline.took);
    const run = await calls(svc, healthy, bound);
    process.stdout.write(
      `healthy receiver alone: 300 API calls in ${baseline.called} ms, all 300 events ${baseline.took} ms after the first call; ` +
        `beside 24 failing destinations: calls in ${run.called} ms, all 300 events ${run.took} ms after the first call\n`,
    );
    expect(run.took).toBeLessThanOrEqual(bound);
    // The failing destinations were really tried while this happened.
    expect(failing.requests.get('hang')).toBeGreaterThanOrEqual(10);
    expect(failing.requests.get('reset')).toBeGreaterThanOrEqual(5);
    expect((await svc.api('GET', `/v1/webhook-integrations/${healthyId}`)).body.status).toBe('HEALTHY');
  });
});
