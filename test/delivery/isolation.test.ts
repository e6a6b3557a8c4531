import { FAILURE_KINDS, FailingDestinations, TestResolver } from './failing';
import { createIntegration, Receiver, startDeliveryService, type DeliveryTestService } from './harness';

/**
 * No set of failing destinations may delay a healthy one. Every kind of failure at once — hanging, slow 5xx,
 * reset, refused, a name that does not resolve, a resolver that hangs — two of each: 12 destinations, three
 * times what the global limit (16) ÷ the per-destination limit (4) would let fill every slot. The healthy
 * receiver's time for a burst is compared with its baseline measured in the same run (behaviour, not a
 * benchmark): a generous multiple, far below the 8 s attempt timeout that a shared queue would impose.
 */
describe('isolation between destinations', () => {
  let svc: DeliveryTestService;
  let healthy: Receiver;
  const failing = new FailingDestinations({ slowMs: 3000 });
  const resolver = new TestResolver();
  const TIMEOUT_MS = 8000;

  beforeAll(async () => {
    svc = await startDeliveryService({
      env: {
        CF_WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS),
        CF_WEBHOOK_DNS_TIMEOUT_MS: '1500',
        CF_WEBHOOK_CONCURRENCY: '16',
        CF_WEBHOOK_CONCURRENCY_PER_DESTINATION: '4',
        CF_WEBHOOK_RETRY_SCHEDULE: '1,2,4',
      },
      parts: { resolver: resolver.resolve },
    });
    healthy = await new Receiver().start();
    await failing.start([...FAILURE_KINDS, ...FAILURE_KINDS]);
  });
  afterAll(async () => {
    await failing.stop();
    resolver.release();
    await svc.stop();
    await healthy.stop();
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

  test('twelve destinations failing in every way do not delay a healthy one', async () => {
    const subscribe = { send_audit_log_events: false, send_authorization_events: true };
    await createIntegration(svc, healthy, subscribe);
    await burst(5); // warm-up: connections, caches
    const baseline = await burst(40);

    const failingIds = new Map<string, string>();
    for (const url of failing.urls) failingIds.set((await createIntegration(svc, { url, secrets: [] }, subscribe)).id, url);
    // Bursts while the failing destinations fail, until each has been tried (at least three bursts): it has a
    // recorded attempt, or (a hanging one, whose attempts end only at a timeout) its server got a request or its
    // name was looked up.
    const untried = async () => {
      const { rows } = await svc.service.db.pool.query<{ id: string }>(
        `SELECT DISTINCT d.integration_id AS id FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id
         WHERE d.integration_id = ANY ($1)`,
        [[...failingIds.keys()]],
      );
      const recorded = new Set(rows.map((r) => r.id));
      const asked = (url: string) => (failing.requestsTo.get(url) ?? 0) + (resolver.lookups.get(new URL(url).hostname) ?? 0) > 0;
      return [...failingIds].filter(([id, url]) => !recorded.has(id) && !asked(url)).map(([, url]) => url);
    };
    const bursts: number[] = [];
    while (bursts.length < 3 || ((await untried()).length > 0 && bursts.length < 30)) bursts.push(await burst(40));
    process.stdout.write(`healthy destination: baseline ${baseline} ms; with 12 failing destinations ${bursts.join(', ')} ms\n`);
    expect(await untried()).toEqual([]);
    expect(resolver.count('.nx.test')).toBeGreaterThanOrEqual(1);
    expect(resolver.count('.hang.test')).toBeGreaterThanOrEqual(1);
    for (const took of bursts) {
      expect(took).toBeLessThan(Math.max(baseline * 5, 1500));
      expect(took).toBeLessThan(TIMEOUT_MS / 2);
    }
  });
});
