import { serviceForFile, validIntegration } from '../../test/support/http';

/**
 * No change is committed without its authorization evaluation: when the evaluation cannot be written, a
 * mutating call answers 503 and leaves nothing behind (the failure is made real with a trigger that refuses the
 * evaluations of one action, as a full disk or a failing constraint would).
 */
const ctx = serviceForFile();
const path = '/v1/webhook-integrations';

async function refuseEvaluationsOf(method: string): Promise<() => Promise<void>> {
  const pool = ctx.service.db.pool;
  await pool.query(`CREATE OR REPLACE FUNCTION refuse_evaluation() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN IF NEW.action LIKE '%/' || TG_ARGV[0] THEN RAISE EXCEPTION 'evaluation refused for the test'; END IF; RETURN NEW; END $$`);
  await pool.query(`CREATE TRIGGER refuse_evaluation BEFORE INSERT ON authorization_evaluations FOR EACH ROW EXECUTE FUNCTION refuse_evaluation('${method}')`);
  return async () => {
    await pool.query('DROP TRIGGER refuse_evaluation ON authorization_evaluations');
  };
}

const count = async (table: string) => Number((await ctx.service.db.pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);

test('a create whose evaluation cannot be written answers 503 and creates nothing', async () => {
  const before = await count('webhook_integrations');
  const restore = await refuseEvaluationsOf('CreateIntegration');
  try {
    const res = await ctx.http.agent.post(path).set(ctx.http.auth()).set('Idempotency-Key', 'unrecorded-1').send(validIntegration());
    expect(res.status).toBe(503);
    expect(res.body.type).toBe('https://commonfate.io/problems/unavailable');
    expect(await count('webhook_integrations')).toBe(before);
    expect(await count('idempotency_keys')).toBe(0);
  } finally {
    await restore();
  }
  // The same request then goes through: nothing was left half done.
  const retry = await ctx.http.agent.post(path).set(ctx.http.auth()).set('Idempotency-Key', 'unrecorded-1').send(validIntegration());
  expect(retry.status).toBe(201);
  expect(retry.headers['idempotent-replayed']).toBeUndefined();
});

test.each([
  ['PATCH', 'UpdateIntegration'],
  ['PUT', 'UpdateIntegration'],
  ['DELETE', 'DeleteIntegration'],
])('%s whose evaluation cannot be written answers 503 and leaves the integration as it was', async (method, action) => {
  const created = await ctx.http.agent.post(path).set(ctx.http.auth()).send(validIntegration());
  const restore = await refuseEvaluationsOf(action);
  try {
    const call = ctx.http.agent[method.toLowerCase() as 'patch'](`${path}/${created.body.id}`).set(ctx.http.auth());
    const res = await (method === 'DELETE' ? call : call.send(validIntegration({ name: 'changed' })));
    expect(res.status).toBe(503);
  } finally {
    await restore();
  }
  const after = await ctx.http.agent.get(`${path}/${created.body.id}`).set(ctx.http.auth());
  expect(after.status).toBe(200);
  expect(after.body).toEqual(created.body);
});

test('a grant transition whose evaluation cannot be written changes the grant not, and emits no audit event', async () => {
  const g = await ctx.http.agent
    .post('/v1/access-requests')
    .set(ctx.http.auth())
    .send({ entitlement: { target: { type: 'AWS::Account', id: '1' }, role: { type: 'Role', id: 'r' } }, justification: 'x', duration_seconds: 60 });
  const events = await count('audit_events');
  const restore = await refuseEvaluationsOf('BreakglassActivateGrant');
  try {
    expect((await ctx.http.agent.post(`/v1/grants/${g.body.grant.id}/breakglass`).set(ctx.http.auth())).status).toBe(503);
  } finally {
    await restore();
  }
  expect((await ctx.http.agent.get(`/v1/grants/${g.body.grant.id}`).set(ctx.http.auth())).body.status).toBe('PENDING');
  expect(await count('audit_events')).toBe(events);
});

test('a committed change has its evaluation stored in the same transaction, with the id the response names', async () => {
  const res = await ctx.http.agent.post(path).set(ctx.http.auth()).send(validIntegration());
  const { rows } = await ctx.service.db.pool.query('SELECT action, allowed FROM authorization_evaluations WHERE id = $1', [res.headers['cf-authorization-evaluation']]);
  expect(rows).toEqual([{ action: 'commonfate.control.integration.v1alpha1.IntegrationService/CreateIntegration', allowed: true }]);
});
