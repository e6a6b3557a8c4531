import type { ServerResponse } from 'node:http';
import { createIntegration, Receiver, startDeliveryService, type DeliveryTestService } from './harness';

/**
 * A destination that never answers must not delay deliveries to others. Measured against a baseline taken in
 * the same run (behaviour, not a benchmark), with a global limit (16) the hanging one alone could fill (40 calls): the healthy receiver's time for a burst with the hanging one
 * subscribed must stay well under the attempt timeout a shared queue would impose.
 */
describe('isolation between destinations', () => {
  let svc: DeliveryTestService;
  let healthy: Receiver;
  let hanging: Receiver;
  const held: ServerResponse[] = [];
  const TIMEOUT_MS = 8000;

  beforeAll(async () => {
    svc = await startDeliveryService({ env: { CF_WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS), CF_WEBHOOK_CONCURRENCY_PER_DESTINATION: '8', CF_WEBHOOK_CONCURRENCY: '16' } });
    healthy = await new Receiver().start();
    hanging = await new Receiver((_r, res) => held.push(res)).start();
  });
  afterAll(async () => {
    for (const res of held) res.destroy();
    await svc.stop();
    await healthy.stop();
    await hanging.stop();
  });

  /** Makes `n` API calls (each an authorization event) and returns ms until `healthy` has them all. */
  async function burst(n: number): Promise<number> {
    const started = Date.now();
    const ids: string[] = [];
    await Promise.all(
      Array.from({ length: n }, async () => {
        const res = await svc.api('GET', '/v1/webhook-integrations?page_size=1');
        ids.push(res.headers.get('cf-authorization-evaluation')!);
      }),
    );
    await healthy.waitFor((all) => ids.every((id) => all.some((x) => x.id === id)), TIMEOUT_MS * 3);
    return Date.now() - started;
  }

  test('a hanging destination does not delay a healthy one', async () => {
    await createIntegration(svc, healthy, { send_audit_log_events: false, send_authorization_events: true });
    await burst(5); // warm-up: connections, caches
    const baseline = await burst(40);

    await createIntegration(svc, hanging, { send_audit_log_events: false, send_authorization_events: true });
    const withHanging = await burst(40);
    // The hanging destination did receive (and is holding) its share, up to its concurrency limit.
    expect(hanging.received.length).toBeGreaterThanOrEqual(8);
    expect(held.length).toBeGreaterThanOrEqual(8);
    // Generous bound relative to the baseline; a shared queue would wait out the 8 s attempt timeout.
    expect(withHanging).toBeLessThan(Math.max(baseline * 5, 1000));
    expect(withHanging).toBeLessThan(TIMEOUT_MS / 2);
  });
});
