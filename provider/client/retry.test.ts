import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DiagnosticError } from '../protocol';
import { ApiClient } from './api';
import { apiKeyTokenSource } from './auth';
import { retryAfterMs, sendRetrying, TransportError, type RetryPolicy } from './http';

/**
 * 429 and 503 are retried with backoff, honouring Retry-After, within a bounded budget; then the answer becomes a
 * diagnostic saying the control plane is temporarily unavailable. The server here stands in for a reverse proxy
 * or load balancer in front of the API (outside the product), which answers such statuses on its own; the real
 * API's 503s during a database outage are covered by test/terraform/outage.test.ts.
 */
describe('retrying "come back later" answers', () => {
  let server: Server;
  let url: URL;
  let answers: Array<(req: IncomingMessage, res: ServerResponse) => void> = [];
  const seen: Array<{ method: string; body: string; at: number }> = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ method: req.method!, body, at: Date.now() });
        (answers.shift() ?? ((_q, r) => r.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}')))(req, res);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/webhook-integrations`);
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  beforeEach(() => {
    answers = [];
    seen.length = 0;
  });

  const unavailable = (headers: Record<string, string> = {}) => (_q: IncomingMessage, r: ServerResponse) =>
    r
      .writeHead(503, { 'content-type': 'application/problem+json', ...headers })
      .end(JSON.stringify({ type: 'https://commonfate.io/problems/unavailable', title: 'Service unavailable', status: 503, detail: 'The database is unavailable; retry in 2 seconds.' }));
  const fast: RetryPolicy = { budgetMs: 5_000, firstDelayMs: 10, maxDelayMs: 50 };

  test('a POST answered 503 with Retry-After is sent again after that many seconds, then succeeds', async () => {
    answers.push(unavailable({ 'retry-after': '1' }));
    const res = await sendRetrying({ method: 'POST', url, body: '{"name":"x"}' });
    expect(res).toMatchObject({ status: 200, attempts: 2 });
    expect(res.elapsedMs).toBeGreaterThanOrEqual(1000);
    expect(seen.map((s) => [s.method, s.body])).toEqual([
      ['POST', '{"name":"x"}'],
      ['POST', '{"name":"x"}'],
    ]);
    expect(seen[1].at - seen[0].at).toBeGreaterThanOrEqual(1000);
  });

  test('429 with an HTTP-date Retry-After waits until that date', async () => {
    const at = new Date(Date.now() + 2000);
    answers.push((_q, r) => r.writeHead(429, { 'retry-after': at.toUTCString() }).end());
    const res = await sendRetrying({ method: 'GET', url });
    expect(res).toMatchObject({ status: 200, attempts: 2 });
    expect(seen[1].at).toBeGreaterThanOrEqual(Math.floor(at.getTime() / 1000) * 1000); // HTTP dates have whole seconds
    expect(retryAfterMs('Wed, 21 Oct 2015 07:28:00 GMT', Date.parse('Wed, 21 Oct 2015 07:27:55 GMT'))).toBe(5000);
    expect(retryAfterMs('120')).toBe(120_000);
    expect(retryAfterMs('soon')).toBeUndefined();
  });

  test('without Retry-After: backoff, then success', async () => {
    answers.push(unavailable(), unavailable(), unavailable());
    const res = await sendRetrying({ method: 'PUT', url, body: '{}' }, fast);
    expect(res).toMatchObject({ status: 200, attempts: 4 });
  });

  test('the budget bounds the retries; a Retry-After beyond it ends them at once', async () => {
    for (let i = 0; i < 100; i++) answers.push(unavailable());
    const res = await sendRetrying({ method: 'GET', url }, { budgetMs: 200, firstDelayMs: 20, maxDelayMs: 40 });
    expect(res.status).toBe(503);
    expect(res.attempts).toBeGreaterThan(2);
    expect(seen).toHaveLength(res.attempts);
    answers = [unavailable({ 'retry-after': '3600' })];
    seen.length = 0;
    expect(await sendRetrying({ method: 'GET', url }, fast)).toMatchObject({ status: 503, attempts: 1 });
    expect(seen).toHaveLength(1);
  });

  test('Terraform stopping the provider cancels the wait', async () => {
    answers.push(unavailable({ 'retry-after': '30' }));
    const controller = new AbortController();
    const pending = sendRetrying({ method: 'GET', url, signal: controller.signal }, { ...fast, budgetMs: 60_000 });
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toEqual(new TransportError('cancelled', 'ABORT_ERR'));
  });

  test('still unavailable after the budget: a diagnostic that says the control plane is temporarily unavailable', async () => {
    for (let i = 0; i < 100; i++) answers.push(unavailable({ 'retry-after': '1' }));
    const client = new ApiClient({
      baseUrl: new URL(url.origin),
      tokens: apiKeyTokenSource('not-a-real-key'),
      signal: new AbortController().signal,
      userAgent: 'test',
      retry: { budgetMs: 2500, firstDelayMs: 1, maxDelayMs: 1 },
    });
    const err = await client.createWebhookIntegration(
      { name: 'x', url: 'https://example.com', send_audit_log_events: false, send_authorization_events: false, headers: [], filter_for_actions: [] },
      { operation: 'create the webhook integration' },
    ).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(DiagnosticError);
    const [diag] = (err as DiagnosticError).diagnostics;
    expect(diag.summary).toBe('Control plane temporarily unavailable');
    expect(diag.detail).toMatch(/answered HTTP 503 \(The database is unavailable; retry in 2 seconds\.\) when trying to create the webhook integration, \d+ times over \d+ s/);
    expect(diag.detail).toMatch(/run terraform apply again/);
  });
});
