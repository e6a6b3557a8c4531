import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createIntegration, Receiver, requestAccess, startDeliveryService, type DeliveryTestService } from './harness';

const authzFixture = JSON.parse(readFileSync(join(__dirname, '../fixtures/authorization-event.json'), 'utf8')) as Record<string, unknown>;

function keyPaths(value: unknown, prefix = ''): string[] {
  if (Array.isArray(value)) return value.length ? keyPaths(value[0], `${prefix}[]`) : [`${prefix}[]`];
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => [`${prefix}.${k}`, ...keyPaths(v, `${prefix}.${k}`)]);
  return [];
}

/** Which integrations receive which events: the two toggles and filter_for_actions. */
describe('routing events to integrations', () => {
  let svc: DeliveryTestService;
  const receivers: Record<string, Receiver> = {};

  beforeAll(async () => {
    svc = await startDeliveryService();
    for (const name of ['all', 'filtered', 'authz', 'neither']) receivers[name] = await new Receiver().start();
  });
  afterAll(async () => {
    await svc.stop();
    for (const r of Object.values(receivers)) await r.stop();
  });

  test('audit toggle, authorization toggle and filter_for_actions decide who receives what', async () => {
    await createIntegration(svc, receivers.all, { send_audit_log_events: true, send_authorization_events: true });
    await createIntegration(svc, receivers.filtered, { send_audit_log_events: true, filter_for_actions: ['grant.approved'] });
    await createIntegration(svc, receivers.authz, { send_audit_log_events: false, send_authorization_events: true });
    const { id: neitherId } = await createIntegration(svc, receivers.neither, { send_audit_log_events: false, send_authorization_events: false });

    const grant = await requestAccess(svc);
    const approve = await svc.api('POST', `/v1/grants/${grant}/approve`);
    // A denied call: read-only principals may not create integrations.
    const denied = await svc.api('POST', '/v1/webhook-integrations', { name: 'x', url: 'https://example.com/h' }, svc.readOnlyApiKey);
    expect(denied.status).toBe(403);
    const deniedEval = denied.headers.get('cf-authorization-evaluation')!;
    const approveEval = approve.headers.get('cf-authorization-evaluation')!;

    const audit = (r: Receiver) => r.received.filter((x) => String(x.json.id).startsWith('evt_')).map((x) => x.json.action);
    await receivers.all.waitFor((all) => all.some((x) => x.id === deniedEval) && audit(receivers.all).length >= 2);
    await receivers.filtered.waitFor(() => audit(receivers.filtered).length >= 1);
    await receivers.authz.waitFor((all) => all.some((x) => x.id === deniedEval) && all.some((x) => x.id === approveEval));

    expect(audit(receivers.all)).toEqual(['grant.requested', 'grant.approved']);
    expect(audit(receivers.filtered)).toEqual(['grant.approved']);
    expect(receivers.filtered.received.every((x) => String(x.json.id).startsWith('evt_'))).toBe(true);
    expect(audit(receivers.authz)).toEqual([]);

    // Authorization events, allow and deny, in the seed's shape and verified.
    const deny = receivers.authz.received.find((x) => x.id === deniedEval)!;
    const allow = receivers.authz.received.find((x) => x.id === approveEval)!;
    expect(deny.json).toMatchObject({ id: deniedEval, decision: 4, allowed: false });
    expect(allow.json).toMatchObject({ id: approveEval, decision: 2, allowed: true });
    expect((allow.json.request as { action: { id: string } }).action.id).toBe('commonfate.access.v1alpha1.AccessService/ApproveGrant');
    for (const x of [deny, allow]) {
      expect(x.verified).toBe(true);
      expect(keyPaths(x.json).filter((p) => !p.startsWith('.diagnostics.reason'))).toEqual(
        keyPaths(authzFixture).filter((p) => !p.startsWith('.diagnostics.reason')),
      );
    }
    // The stored evaluation is the delivered text, field for field.
    const stored = await svc.api('GET', `/v1/authorization-evaluations/${approveEval}`);
    expect(stored.body).toEqual(allow.json);

    // Nothing was queued for the integration with both toggles off.
    const none = await svc.api('GET', `/v1/webhook-integrations/${neitherId}/deliveries`);
    expect(none.status).toBe(200);
    expect(none.body.items).toEqual([]);
    expect(receivers.neither.received).toEqual([]);
  });

  test('the delivery list is paginated and filtered by status; bad queries list every problem', async () => {
    const { id } = await createIntegration(svc, receivers.all, { send_authorization_events: true, send_audit_log_events: false });
    for (let i = 0; i < 5; i++) await svc.api('GET', `/v1/webhook-integrations/${id}`);
    // Stop the stream of authorization events (every call below would add one) so the list holds still.
    expect((await svc.api('PATCH', `/v1/webhook-integrations/${id}`, { send_authorization_events: false })).status).toBe(200);
    let seen: string[] = [];
    for (let tries = 0; tries < 100; tries++) {
      const pending = await svc.api('GET', `/v1/webhook-integrations/${id}/deliveries?status=PENDING`);
      const all = await svc.api('GET', `/v1/webhook-integrations/${id}/deliveries?status=SUCCEEDED&page_size=100`);
      seen = all.body.items.map((d: { id: string }) => d.id);
      if (pending.body.items.length === 0 && seen.length >= 6) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(seen.length).toBeGreaterThanOrEqual(6);
    const paged: string[] = [];
    let token: string | undefined;
    do {
      const page = await svc.api('GET', `/v1/webhook-integrations/${id}/deliveries?status=SUCCEEDED&page_size=2${token ? `&page_token=${token}` : ''}`);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      paged.push(...page.body.items.map((d: { id: string }) => d.id));
      token = page.body.next_page_token;
    } while (token);
    expect(paged).toEqual(seen);
    const failed = await svc.api('GET', `/v1/webhook-integrations/${id}/deliveries?status=FAILED`);
    expect(failed.body.items).toEqual([]);
    const bad = await svc.api('GET', `/v1/webhook-integrations/${id}/deliveries?status=NOPE&page_size=0&x=1`);
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['page_size', 'status', 'x']);
    const detail = await svc.api('GET', `/v1/webhook-integrations/${id}/deliveries/${seen[0]}`);
    expect(detail.body).toMatchObject({ id: seen[0], status: 'SUCCEEDED', attempt_count: 1, event_type: 'authorization' });
    expect(detail.body.attempts).toEqual([
      expect.objectContaining({ status_code: 204, error: null, duration_ms: expect.any(Number) }),
    ]);
  });
});
