import request from 'supertest';
import { startTestService, type TestService } from './service';

/** A supertest agent bound to a running service, with helpers for the bearer header. */
export function client(service: Pick<TestService, 'baseUrl' | 'apiKey'>) {
  const agent = request(service.baseUrl);
  const auth = (key = service.apiKey) => ({ Authorization: `Bearer ${key}` });
  return { agent, auth };
}

export const validIntegration = (overrides: Record<string, unknown> = {}) => ({
  name: 'Audit sink',
  url: 'https://webhook.example.com/webhook/path',
  send_audit_log_events: true,
  send_authorization_events: false,
  headers: [
    { key: 'My-Custom-Header', value: 'abcdef123' },
    { key: 'X-my_other_header', value: 'def456' },
  ],
  filter_for_actions: ['grant.revoked', 'grant.approved'],
  ...overrides,
});

/**
 * The real service for one test file: started before its tests (on a database of its own) and stopped after.
 * Use the returned object's `service` and `http` inside tests.
 */
export function serviceForFile(opts?: Parameters<typeof startTestService>[0]) {
  const ctx = {} as { service: TestService; http: ReturnType<typeof client> };
  beforeAll(async () => {
    ctx.service = await startTestService(opts);
    ctx.http = client(ctx.service);
  });
  afterAll(() => ctx.service?.stop());
  return ctx;
}
