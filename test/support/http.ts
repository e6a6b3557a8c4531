import request from 'supertest';
import type { TestService } from './service';

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
