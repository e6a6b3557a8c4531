import { startTestService, startServiceProcess, type ServiceProcess, type TestService } from '../support/service';

/** The CF::RPC::Action id of POST …/pause, as the decisions counter labels it. */
const PAUSE = 'commonfate.control.integration.v1alpha1.IntegrationService/PauseWebhookIntegration';

/**
 * What /metrics says about the API and the integrations, and that a CF_ROLE=worker process can be scraped and
 * probed: the real service on a real database, scraped over HTTP like Prometheus does.
 */
describe('API and integration metrics', () => {
  let svc: TestService;

  beforeAll(async () => {
    svc = await startTestService();
  });
  afterAll(() => svc?.stop());

  const call = (method: string, path: string, body?: unknown, key = svc.apiKey) =>
    fetch(svc.baseUrl + path, {
      method,
      headers: { Authorization: `Bearer ${key}`, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
  const scrape = async (base = svc.baseUrl) => (await fetch(`${base}/metrics`)).text();
  /** The value of the sample `name{labels}` (labels in any order), or undefined when there is none. */
  const sample = (text: string, name: string, labels: Record<string, string>): number | undefined => {
    for (const line of text.split('\n')) {
      const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!m || m[1] !== name) continue;
      const got = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
      if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
    }
    return undefined;
  };

  /** The first truthy value of `probe`, polled for up to 5 s. */
  async function settled<T>(probe: () => Promise<T | false>): Promise<T> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const v = await probe();
      if (v) return v;
      if (Date.now() > deadline) throw new Error('the metrics did not show the change within 5 s');
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  test('requests are counted and timed by route template, method and status, never by raw path', async () => {
    const missing = 'whk_2f0ChzJvrOOqchMhRmJieErz9Bl';
    const before = await scrape();
    const template = '/v1/webhook-integrations/{id}';
    const count = (text: string) => sample(text, 'cf_http_requests_total', { route: template, method: 'GET', status: '404' }) ?? 0;
    expect((await call('GET', `/v1/webhook-integrations/${missing}`)).status).toBe(404);
    expect((await call('GET', `/v1/webhook-integrations/${missing}`)).status).toBe(404);
    expect((await call('GET', '/v1/webhook-integrations')).status).toBe(200);
    expect((await call('GET', '/no/such/path/12345')).status).toBe(404);

    const after = await scrape();
    expect(count(after) - count(before)).toBe(2);
    expect(sample(after, 'cf_http_requests_total', { route: '/v1/webhook-integrations', method: 'GET', status: '200' })).toBeGreaterThanOrEqual(1);
    expect(sample(after, 'cf_http_requests_total', { route: 'unmatched', method: 'GET', status: '404' })).toBeGreaterThanOrEqual(1);
    expect(sample(after, 'cf_http_request_duration_seconds_count', { route: template, method: 'GET' })).toBeGreaterThanOrEqual(2);
    expect(sample(after, 'cf_http_request_duration_seconds_bucket', { route: template, method: 'GET', le: '+Inf' })).toBeGreaterThanOrEqual(2);
    // No path a caller sent becomes a label value.
    expect(after).not.toContain(missing);
    expect(after).not.toContain('12345');
  });

  test('authorization decisions are counted by action and result', async () => {
    const created = await (await call('POST', '/v1/webhook-integrations', { name: 'metrics', url: 'http://127.0.0.1:9/hook' })).json() as { id: string };
    const decisions = async (action: string, result: string) => sample(await scrape(), 'cf_authorization_decisions_total', { action, result }) ?? 0;
    const denied = await decisions(PAUSE, 'deny');
    const allowed = await decisions(PAUSE, 'allow');
    expect((await call('POST', `/v1/webhook-integrations/${created.id}/pause`, undefined, svc.readOnlyApiKey)).status).toBe(403);
    expect(await decisions(PAUSE, 'deny')).toBe(denied + 1);
    expect((await call('POST', `/v1/webhook-integrations/${created.id}/pause`)).status).toBe(200);
    expect(await decisions(PAUSE, 'allow')).toBe(allowed + 1);
    await call('POST', `/v1/webhook-integrations/${created.id}/resume`);
  });

  test('integration health: counts by status, and one series per integration that is not HEALTHY', async () => {
    const created = await (await call('POST', '/v1/webhook-integrations', { name: 'health', url: 'http://127.0.0.1:9/hook' })).json() as { id: string };
    const id = created.id as string;
    const pausedInDb = async () =>
      (await svc.db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_integrations WHERE status = 'PAUSED'`)).rows[0].n;
    expect(sample(await scrape(), 'cf_webhook_integration_status', { integration_id: id })).toBeUndefined();

    await call('POST', `/v1/webhook-integrations/${id}/pause`);
    // Read from the database at scrape time, and shared by the scrapes of the next 100 ms: seen by a later one.
    const text = await settled(async () => {
      const t = await scrape();
      return sample(t, 'cf_webhook_integration_status', { integration_id: id, status: 'PAUSED' }) === 1 && t;
    });
    expect(sample(text, 'cf_webhook_integrations', { status: 'PAUSED' })).toBe(await pausedInDb());
    expect(await pausedInDb()).toBeGreaterThanOrEqual(1);
    for (const status of ['HEALTHY', 'UNHEALTHY', 'DISABLED', 'PAUSED']) expect(sample(text, 'cf_webhook_integrations', { status })).toBeDefined();
    expect(sample(text, 'cf_webhook_integration_status_omitted', {})).toBe(0);

    await call('POST', `/v1/webhook-integrations/${id}/resume`);
    // Healthy again: its series is gone (healthy integrations have none, which keeps the gauge small).
    const healed = await settled(async () => {
      const t = await scrape();
      return sample(t, 'cf_webhook_integration_status', { integration_id: id }) === undefined && t;
    });
    expect(sample(healed, 'cf_webhook_integrations', { status: 'PAUSED' })).toBe(await pausedInDb());
  });

  test('a CF_ROLE=worker process serves /metrics, /healthz and /readyz on PORT, and no API routes', async () => {
    let worker: ServiceProcess | undefined;
    try {
      worker = await startServiceProcess({ env: { DATABASE_URL: svc.databaseUrl, CF_ROLE: 'worker', PORT: '0' } });
      expect((await fetch(`${worker.baseUrl}/healthz`)).status).toBe(200);
      expect((await fetch(`${worker.baseUrl}/readyz`)).status).toBe(200);
      const text = await scrape(worker.baseUrl);
      // Its own delivery worker's metrics, and what every replica reads from the database.
      expect(text).toContain('# TYPE cf_webhook_deliveries_total counter');
      expect(text).toContain('# TYPE cf_webhook_attempts_in_flight gauge');
      expect(text).toContain('# TYPE cf_retention_last_sweep_timestamp_seconds gauge');
      const api = await fetch(`${worker.baseUrl}/v1/webhook-integrations`, { headers: { Authorization: `Bearer ${svc.apiKey}` } });
      expect(api.status).toBe(404);
      expect(api.headers.get('content-type')).toMatch(/application\/problem\+json/);
    } finally {
      await worker?.kill();
    }
  });
});
