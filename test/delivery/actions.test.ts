/**
 * Every one of the 15 audit actions, produced by real flows (breakglass, force-close, proxy sessions, and the
 * grant lifecycle), delivered to an integration that filters on all of them and verified with the
 * `standardwebhooks` package; a second integration filtering on the four newer actions gets exactly those.
 */
import { AUDIT_ACTIONS } from '../../contract';
import { byOccurrence, createIntegration, Receiver, requestAccess, startDeliveryService, switchableProvisioner, waitUntil, type DeliveryTestService, type Received } from './harness';

const NEW_ACTIONS = ['grant.breakglass_activated', 'grant.force_closed', 'proxy.session.started', 'proxy.session.ended'];

describe('all 15 audit actions from real flows', () => {
  let svc: DeliveryTestService;
  let all: Receiver;
  let newer: Receiver;
  const { provisioner, fail } = switchableProvisioner();

  beforeAll(async () => {
    svc = await startDeliveryService({ parts: { provisioner } });
    [all, newer] = await Promise.all([new Receiver().start(), new Receiver().start()]);
  });
  afterAll(async () => {
    await svc.stop();
    await Promise.all([all.stop(), newer.stop()]);
  });

  const grantOf = (r: Received) => (r.json.targets as Array<{ type: string; id: string }>).find((t) => t.type === 'Access::Grant')!.id;
  const sessionOf = (r: Received) => (r.json.targets as Array<{ type: string; id: string }>).find((t) => t.type === 'Access::ProxySession')?.id;
  const ordered = (rs: Received[]) => [...rs].sort(byOccurrence);
  const actionsOf = (rx: Receiver, grantId: string) => ordered(rx.received.filter((r) => grantOf(r) === grantId)).map((r) => r.json.action);
  const state = async (id: string) => (await svc.api('GET', `/v1/grants/${id}`)).body;
  const ok = async (method: string, path: string, status = 200, body?: unknown) => {
    const res = await svc.api(method, path, body);
    expect({ path, status: res.status, body: res.status === status ? undefined : res.body }).toEqual({ path, status, body: undefined });
    return res;
  };

  test('breakglass, force-close and proxy sessions emit their actions; every action arrives, signed', async () => {
    await createIntegration(svc, all, { filter_for_actions: [...AUDIT_ACTIONS] });
    await createIntegration(svc, newer, { filter_for_actions: NEW_ACTIONS });

    // 1. Breakglass (no approval), provisioned; a session started and ended; another ended by force-close.
    const g1 = await requestAccess(svc);
    const breakglass = await ok('POST', `/v1/grants/${g1}/breakglass`);
    expect(breakglass.body).toMatchObject({ status: 'ACTIVE', breakglass: true, provisioning: 'PENDING' });
    await waitUntil(async () => (await state(g1)).provisioning === 'PROVISIONED', 10_000, 'provisioned');
    const s1 = (await ok('POST', `/v1/grants/${g1}/proxy-sessions`, 201)).body;
    expect(s1).toMatchObject({ id: expect.stringMatching(/^pxs_[0-9A-Za-z]{27}$/), grant_id: g1, status: 'ACTIVE' });
    expect((await ok('POST', `/v1/proxy-sessions/${s1.id}/end`)).body).toMatchObject({ status: 'ENDED', end_reason: 'ended' });
    const s2 = (await ok('POST', `/v1/grants/${g1}/proxy-sessions`, 201)).body;
    const closed = await ok('POST', `/v1/grants/${g1}/force-close`);
    expect(closed.body).toMatchObject({ status: 'CLOSED', closed_reason: 'force_closed' });
    expect((await ok('GET', `/v1/proxy-sessions/${s2.id}`)).body).toMatchObject({ status: 'ENDED', end_reason: 'grant_closed' });
    await waitUntil(async () => (await state(g1)).provisioning === 'DEPROVISIONED', 10_000, 'deprovisioned');

    // 2. The approved path, extended; a session that ends with the revocation.
    const g2 = await requestAccess(svc);
    await ok('POST', `/v1/grants/${g2}/approve`);
    await ok('POST', `/v1/grants/${g2}/activate`);
    await waitUntil(async () => (await state(g2)).provisioning === 'PROVISIONED', 10_000, 'provisioned');
    await ok('POST', `/v1/grants/${g2}/extend`, 200, { duration_seconds: 60 });
    const s3 = (await ok('POST', `/v1/grants/${g2}/proxy-sessions`, 201)).body;
    await ok('POST', `/v1/grants/${g2}/revoke`);
    expect((await ok('GET', `/v1/proxy-sessions/${s3.id}`)).body.end_reason).toBe('grant_closed');

    // 3. Cancelled.
    const g3 = await requestAccess(svc);
    await ok('POST', `/v1/grants/${g3}/cancel`);

    // 4. Provisioning fails; an admin force-closes the grant (nothing was provisioned, so nothing to remove).
    fail(true);
    const g4 = await requestAccess(svc);
    await ok('POST', `/v1/grants/${g4}/approve`);
    await ok('POST', `/v1/grants/${g4}/activate`);
    await waitUntil(async () => (await state(g4)).provisioning === 'ERROR', 10_000, 'provisioning error');
    await ok('POST', `/v1/grants/${g4}/force-close`);
    expect((await state(g4)).provisioning).toBe('NONE');

    // 5. Provisioned with a session, then it expires: the session ends with it, deprovisioning fails.
    fail(false);
    const g5 = await requestAccess(svc, 2);
    await ok('POST', `/v1/grants/${g5}/breakglass`);
    await waitUntil(async () => (await state(g5)).provisioning === 'PROVISIONED', 10_000, 'provisioned');
    const s5 = (await ok('POST', `/v1/grants/${g5}/proxy-sessions`, 201)).body;
    fail(true);
    await waitUntil(async () => (await state(g5)).provisioning === 'DEPROVISIONING_ERROR', 10_000, 'deprovisioning error');
    fail(false);
    expect((await ok('GET', `/v1/proxy-sessions/${s5.id}`)).body).toMatchObject({ status: 'ENDED', end_reason: 'grant_closed' });

    await all.waitFor((rs) => new Set(rs.map((r) => r.json.action)).size === AUDIT_ACTIONS.length && actionsOf(all, g5).includes('grant.deprovisioning_error'));
    await newer.waitFor((rs) => rs.filter((r) => r.json.action === 'proxy.session.ended').length >= 4);

    // Every one of the 15 actions arrived, each delivery verified with standardwebhooks.
    expect(new Set(all.received.map((r) => r.json.action))).toEqual(new Set(AUDIT_ACTIONS));
    for (const r of [...all.received, ...newer.received]) {
      expect({ id: r.id, verified: r.verified }).toEqual({ id: r.json.id, verified: true });
    }
    // The flows in order, the closing grant's event before the sessions that end with it.
    expect(actionsOf(all, g1)).toEqual([
      'grant.requested',
      'grant.breakglass_activated',
      'grant.provisioning_attempted',
      'grant.provisioned',
      'proxy.session.started',
      'proxy.session.ended',
      'proxy.session.started',
      'grant.force_closed',
      'proxy.session.ended',
      'grant.deprovisioned',
    ]);
    expect(actionsOf(all, g2)).toEqual(
      expect.arrayContaining(['grant.approved', 'grant.activated', 'grant.extended', 'proxy.session.started', 'grant.revoked', 'proxy.session.ended', 'grant.deprovisioned']),
    );
    expect(actionsOf(all, g4)).toEqual(['grant.requested', 'grant.approved', 'grant.activated', 'grant.provisioning_attempted', 'grant.provisioning_error', 'grant.force_closed']);
    expect(actionsOf(all, g5)).toEqual(expect.arrayContaining(['proxy.session.ended', 'grant.deprovisioning_error']));

    // The filter on the newer actions: exactly those, all of them.
    expect(new Set(newer.received.map((r) => r.json.action))).toEqual(new Set(NEW_ACTIONS));

    // Session events carry the session among their targets; the expiry's ending is the control plane's own.
    const sessionEvents = all.received.filter((r) => String(r.json.action).startsWith('proxy.session.'));
    expect(sessionEvents).toHaveLength(8);
    for (const r of sessionEvents) expect(sessionOf(r)).toMatch(/^pxs_/);
    const expiredEnd = all.received.find((r) => sessionOf(r) === s5.id && r.json.action === 'proxy.session.ended')!;
    expect(expiredEnd.json.actor).toMatchObject({ type: 'CF::Service', id: 'ControlPlane' });
    const forced = all.received.find((r) => grantOf(r) === g1 && r.json.action === 'grant.force_closed')!;
    const forcedEnd = all.received.find((r) => sessionOf(r) === s2.id && r.json.action === 'proxy.session.ended')!;
    expect((forcedEnd.json.context as { authz: { eval: string } }).authz.eval).toBe((forced.json.context as { authz: { eval: string } }).authz.eval);

    // Each new call's authorization event names its action and allowed the call that caused the audit event.
    const evaluation = await ok('GET', `/v1/authorization-evaluations/${breakglass.headers.get('cf-authorization-evaluation')}`);
    expect(evaluation.body.request.action.id).toBe('commonfate.access.v1alpha1.AccessService/BreakglassActivateGrant');
    const breakglassEvent = all.received.find((r) => grantOf(r) === g1 && r.json.action === 'grant.breakglass_activated')!;
    expect((breakglassEvent.json.context as { authz: { eval: string } }).authz.eval).toBe(evaluation.body.id);
  });

  test('only admins may break glass or force-close; read-only principals are denied and the denial is stored', async () => {
    const g = await requestAccess(svc);
    for (const [command, action] of [
      ['breakglass', 'BreakglassActivateGrant'],
      ['force-close', 'ForceCloseGrant'],
    ]) {
      const res = await svc.api('POST', `/v1/grants/${g}/${command}`, undefined, svc.readOnlyApiKey);
      expect(res.status).toBe(403);
      const evaluation = await svc.api('GET', `/v1/authorization-evaluations/${res.headers.get('cf-authorization-evaluation')}`);
      expect(evaluation.body).toMatchObject({ allowed: false, decision: 4, request: { action: { id: `commonfate.access.v1alpha1.AccessService/${action}` } } });
      expect(evaluation.body.diagnostics.reason).toContain('default_api_authorization_policy.breakglass');
    }
    expect((await state(g)).status).toBe('PENDING');
    const session = await svc.api('POST', `/v1/grants/${g}/proxy-sessions`, undefined, svc.readOnlyApiKey);
    expect(session.status).toBe(403);
  });

  test('illegal transitions answer 409 problem+json and change nothing', async () => {
    const g = await requestAccess(svc);
    const conflict = async (path: string) => {
      const res = await svc.api('POST', path);
      expect({ path, status: res.status, type: res.body.type }).toEqual({ path, status: 409, type: 'https://commonfate.io/problems/conflict' });
    };
    await conflict(`/v1/grants/${g}/proxy-sessions`); // PENDING: no sessions yet
    await ok('POST', `/v1/grants/${g}/approve`);
    await conflict(`/v1/grants/${g}/breakglass`); // only from PENDING
    await ok('POST', `/v1/grants/${g}/activate`);
    const s = (await ok('POST', `/v1/grants/${g}/proxy-sessions`, 201)).body;
    await ok('POST', `/v1/proxy-sessions/${s.id}/end`);
    await conflict(`/v1/proxy-sessions/${s.id}/end`); // already ended
    await ok('POST', `/v1/grants/${g}/force-close`);
    await conflict(`/v1/grants/${g}/force-close`); // already closed
    await conflict(`/v1/grants/${g}/proxy-sessions`);
    expect((await svc.api('POST', '/v1/proxy-sessions/pxs_2f0ChzJvrOOqchMhRmJieErz9Bl/end')).status).toBe(404);
    const sessions = await ok('GET', `/v1/grants/${g}/proxy-sessions`);
    expect(sessions.body.items.map((i: { id: string; status: string }) => [i.id, i.status])).toEqual([[s.id, 'ENDED']]);
  });
});
