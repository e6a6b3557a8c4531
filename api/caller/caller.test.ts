import { serviceForFile } from '../../test/support/http';

const ctx = serviceForFile();

type Op = { operation_id: string; method: string; path: string; action: string; allowed: boolean };
const byId = (ops: Op[]) => Object.fromEntries(ops.map((o) => [o.operation_id, o]));

test('an admin may call every operation; the answer names the principal', async () => {
  const res = await ctx.http.agent.get('/v1/caller').set(ctx.http.auth());
  expect(res.status).toBe(200);
  expect(res.body.principal).toMatchObject({ type: 'CF::Service', role: 'admin' });
  const ops = byId(res.body.operations);
  expect(ops.retryWebhookDelivery).toMatchObject({
    method: 'POST',
    path: '/v1/webhook-integrations/{id}/deliveries/{delivery_id}/retry',
    action: 'commonfate.control.integration.v1alpha1.IntegrationService/RetryWebhookDelivery',
    allowed: true,
  });
  expect((res.body.operations as Op[]).every((o) => o.allowed)).toBe(true);
  // Public routes need no permission and are not listed.
  expect(ops.getHealth).toBeUndefined();
});

test('a read-only key may read, not act: the policies decide each operation, and the real call agrees', async () => {
  const res = await ctx.http.agent.get('/v1/caller').set(ctx.http.auth(ctx.service.readOnlyApiKey));
  expect(res.status).toBe(200);
  expect(res.body.principal).toMatchObject({ role: 'read_only', name: 'test-read-only' });
  const ops = byId(res.body.operations);
  expect(ops.listWebhookIntegrations.allowed).toBe(true);
  expect(ops.getWebhookDeliveryStats.allowed).toBe(true);
  expect(ops.listAuditEvents.allowed).toBe(true);
  for (const id of ['retryWebhookDelivery', 'testWebhookIntegration', 'getWebhookSigningSecret', 'rotateWebhookSigningSecret', 'createWebhookIntegration']) {
    expect([id, ops[id].allowed]).toEqual([id, false]);
  }
  // What the answer says is what the API does.
  const secret = await ctx.http.agent.get('/v1/webhook-integrations/whk_2f0ChzJvrOOqchMhRmJieErz9Bl/secret').set(ctx.http.auth(ctx.service.readOnlyApiKey));
  expect(secret.status).toBe(403);
});

test('the question is itself an API call: authenticated and recorded', async () => {
  expect((await ctx.http.agent.get('/v1/caller')).status).toBe(401);
  const res = await ctx.http.agent.get('/v1/caller').set(ctx.http.auth());
  const evalId = res.headers['cf-authorization-evaluation'];
  const stored = await ctx.http.agent.get(`/v1/authorization-evaluations/${evalId}`).set(ctx.http.auth());
  expect(stored.body.request.action.id).toBe('commonfate.authz.v1alpha1.EvaluationService/GetCallerPermissions');
});
