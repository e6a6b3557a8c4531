import { AUDIT_ACTIONS } from '../../contract';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { byOccurrence, createIntegration, entitlement, Receiver, requestAccess, startDeliveryService, switchableProvisioner, waitUntil, type DeliveryTestService } from './harness';

// The seed's eleven grant actions are the contract's first eleven.
const SEED_ACTIONS = AUDIT_ACTIONS.slice(0, 11);

const fixture = (name: string) => JSON.parse(readFileSync(join(__dirname, '../fixtures', name), 'utf8')) as Record<string, unknown>;

/** Every key path of a JSON value (arrays contribute their first element's shape). */
function keyPaths(value: unknown, prefix = ''): string[] {
  if (Array.isArray(value)) return value.length ? keyPaths(value[0], `${prefix}[]`) : [`${prefix}[]`];
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => [`${prefix}.${k}`, ...keyPaths(v, `${prefix}.${k}`)]);
  }
  return [];
}

describe('grants workflow: audit events delivered to webhooks', () => {
  let svc: DeliveryTestService;
  let receiver: Receiver;
  const { provisioner, fail } = switchableProvisioner();

  beforeAll(async () => {
    svc = await startDeliveryService({ parts: { provisioner } });
    receiver = await new Receiver().start();
  });
  afterAll(async () => {
    await svc.stop();
    await receiver.stop();
  });

  // In the order the events occurred: deliveries run concurrently, so they may arrive in another order.
  const forGrant = (grantId: string) =>
    receiver.received
      .filter((r) => (r.json.targets as Array<{ id: string }> | undefined)?.some((t) => t.id === grantId))
      .sort(byOccurrence);
  const actionsOf = (grantId: string) => forGrant(grantId).map((r) => r.json.action as string);

  test('every grant action reaches the receiver, signed, in the seed shape', async () => {
    const { id: integrationId } = await createIntegration(svc, receiver);
    // Lifecycle 1: request, approve, activate (provisioned), extend, revoke (deprovisioned).
    const g1 = await requestAccess(svc);
    for (const cmd of ['approve', 'activate']) expect((await svc.api('POST', `/v1/grants/${g1}/${cmd}`)).status).toBe(200);
    await waitUntil(async () => (await svc.api('GET', `/v1/grants/${g1}`)).body.provisioning === 'PROVISIONED', 10_000, 'provisioned');
    const extended = await svc.api('POST', `/v1/grants/${g1}/extend`, { duration_seconds: 600 });
    expect(extended.status).toBe(200);
    const revoked = await svc.api('POST', `/v1/grants/${g1}/revoke`);
    expect(revoked.status).toBe(200);
    // Lifecycle 2: request then cancel.
    const g2 = await requestAccess(svc);
    expect((await svc.api('POST', `/v1/grants/${g2}/cancel`)).status).toBe(200);
    // Lifecycle 3: provisioning and deprovisioning fail; the grant expires.
    fail(true);
    const g3 = await requestAccess(svc, 1);
    await svc.api('POST', `/v1/grants/${g3}/approve`);
    await svc.api('POST', `/v1/grants/${g3}/activate`);
    await waitUntil(async () => (await svc.api('GET', `/v1/grants/${g3}`)).body.provisioning === 'ERROR', 10_000, 'provisioning error');
    // Lifecycle 4: provisioned, then the deprovisioning at expiry fails.
    fail(false);
    const g4 = await requestAccess(svc, 2);
    await svc.api('POST', `/v1/grants/${g4}/approve`);
    await svc.api('POST', `/v1/grants/${g4}/activate`);
    await waitUntil(async () => (await svc.api('GET', `/v1/grants/${g4}`)).body.provisioning === 'PROVISIONED', 10_000, 'provisioned');
    fail(true);
    await waitUntil(async () => (await svc.api('GET', `/v1/grants/${g4}`)).body.provisioning === 'DEPROVISIONING_ERROR', 10_000, 'deprovisioning error');
    fail(false);

    await receiver.waitFor(() => actionsOf(g1).length >= 8 && actionsOf(g2).length >= 2 && actionsOf(g3).length >= 5 && actionsOf(g4).length >= 6);
    expect(actionsOf(g1)).toEqual(
      expect.arrayContaining(['grant.requested', 'grant.approved', 'grant.activated', 'grant.provisioning_attempted', 'grant.provisioned', 'grant.extended', 'grant.revoked', 'grant.deprovisioned']),
    );
    expect(actionsOf(g2)).toEqual(['grant.requested', 'grant.cancelled']);
    expect(actionsOf(g3)).toEqual(expect.arrayContaining(['grant.provisioning_attempted', 'grant.provisioning_error']));
    expect(actionsOf(g4)).toEqual(expect.arrayContaining(['grant.deprovisioning_error']));
    // The seed's eleven grant actions (the other four have their flows in actions.test.ts).
    const seen = new Set(receiver.received.map((r) => r.json.action));
    for (const action of SEED_ACTIONS) expect(seen).toContain(action);

    // Signed (verified by standardwebhooks), one webhook-id per event, shaped like the seed's example.
    const expectedKeys = keyPaths(fixture('audit-log-event.json')).filter((p) => !p.startsWith('.caller_identity_chain'));
    for (const r of receiver.received) {
      expect(r.verified).toBe(true);
      expect(r.id).toBe(r.json.id);
      expect(r.headers['content-type']).toBe('application/json');
      expect(r.headers['user-agent']).toMatch(/^CommonFate-Webhooks\//);
      expect(keyPaths(r.json).filter((p) => !p.startsWith('.caller_identity_chain'))).toEqual(expectedKeys);
      expect(r.json.occurred_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}[+-]\d\d:\d\d$/);
    }

    // context.authz.eval is the evaluation that allowed the call; worker events carry the causing call's or none.
    const requested = forGrant(g1).find((r) => r.json.action === 'grant.requested')!;
    const evalId = (requested.json.context as { authz: { eval: string } }).authz.eval;
    const evaluation = await svc.api('GET', `/v1/authorization-evaluations/${evalId}`);
    expect(evaluation.status).toBe(200);
    expect(evaluation.body.request.action.id).toBe('commonfate.access.v1alpha1.AccessService/BatchEnsure');
    expect(evaluation.body.allowed).toBe(true);
    expect(requested.json.targets).toEqual([
      entitlement.target,
      entitlement.role,
      { type: 'Access::Grant', id: g1 },
      { type: 'Access::Request', id: expect.stringMatching(/^req_[0-9A-Za-z]{27}$/) },
    ]);
    expect(requested.json.actor).toEqual({ type: 'CF::Service', id: expect.stringMatching(/^key_/), name: 'bootstrap', email: '' });
    expect(requested.json.caller_identity_chain).toEqual([
      { id: { type: 'CF::APIKey', id: expect.any(String) } },
      { id: { type: 'CF::Service', id: expect.any(String) } },
    ]);
    const activated = forGrant(g1).find((r) => r.json.action === 'grant.activated')!;
    const provisioned = forGrant(g1).find((r) => r.json.action === 'grant.provisioned')!;
    expect((provisioned.json.actor as { id: string }).id).toBe('ControlPlane');
    expect((provisioned.json.context as { authz: { eval: string } }).authz.eval).toBe(
      (activated.json.context as { authz: { eval: string } }).authz.eval,
    );
    const expiredError = forGrant(g4).find((r) => r.json.action === 'grant.deprovisioning_error')!;
    expect((expiredError.json.context as { authz: { eval: string } }).authz.eval).toBe('');

    // Stored deliveries all SUCCEEDED; the audit log lists the same events, filterable by action.
    const list = await svc.api('GET', `/v1/webhook-integrations/${integrationId}/deliveries?status=SUCCEEDED&page_size=100`);
    expect(list.body.items.length).toBe(receiver.received.length);
    const revokedLog = await svc.api('GET', '/v1/audit-events?action=grant.revoked');
    expect(revokedLog.status).toBe(200);
    expect(revokedLog.body.items.map((e: { id: string }) => e.id)).toEqual(
      forGrant(g1).filter((r) => r.json.action === 'grant.revoked').map((r) => r.id),
    );
  });

  test('illegal transitions answer 409 problem+json and emit nothing', async () => {
    const g = await requestAccess(svc);
    const before = receiver.received.length;
    for (const cmd of ['activate', 'extend', 'revoke']) {
      const res = await svc.api('POST', `/v1/grants/${g}/${cmd}`);
      expect(res.status).toBe(409);
      expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(res.body.type).toMatch(/conflict/);
    }
    expect((await svc.api('POST', `/v1/grants/${g}/cancel`)).status).toBe(200);
    expect((await svc.api('POST', `/v1/grants/${g}/approve`)).status).toBe(409);
    const events = await svc.api('GET', '/v1/audit-events?page_size=100');
    const mine = [];
    let page = events.body;
    for (;;) {
      mine.push(...page.items.filter((e: { targets: Array<{ id: string }> }) => e.targets.some((t) => t.id === g)));
      if (!page.next_page_token) break;
      page = (await svc.api('GET', `/v1/audit-events?page_size=100&page_token=${page.next_page_token}`)).body;
    }
    expect(mine.map((e: { action: string }) => e.action)).toEqual(['grant.requested', 'grant.cancelled']);
    await receiver.waitFor((all) => all.length >= before + 2);
  });

  test('an access request is validated with every problem listed', async () => {
    const res = await svc.api('POST', '/v1/access-requests', { entitlement: { target: { type: '' } }, duration_seconds: 0, extra: 1 });
    expect(res.status).toBe(400);
    const paths = res.body.errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['entitlement.target.type', 'entitlement.target.id', 'entitlement.role', 'justification', 'duration_seconds', 'extra']));
  });
});
