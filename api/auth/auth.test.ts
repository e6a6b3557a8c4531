import { serviceForFile, validIntegration } from '../../test/support/http';
import { createApiKey, revokeApiKey } from './api-keys';
import { EVALUATION_HEADER } from '../http/endpoint';

const ctx = serviceForFile();

const path = '/v1/webhook-integrations';

async function storedEvaluation(id: string) {
  const { rows } = await ctx.service.db.pool.query<{ payload: Record<string, unknown>; allowed: boolean }>(
    'SELECT payload, allowed FROM authorization_evaluations WHERE id = $1',
    [id],
  );
  return rows[0];
}

describe('authentication', () => {
  test.each([
    ['no Authorization header', {}],
    ['an unknown key', { Authorization: 'Bearer cfk_not-a-real-key' }],
    ['a non-Bearer scheme', { Authorization: 'Basic dXNlcjpwYXNz' }],
    ['an empty bearer', { Authorization: 'Bearer ' }],
  ])('%s is 401 problem+json with a WWW-Authenticate challenge', async (_label, headers) => {
    const res = await ctx.http.agent.get(path).set(headers);
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(res.body.detail).not.toContain('not-a-real-key');
  });

  test('a revoked key stops working', async () => {
    const { key, secret } = await createApiKey(ctx.service.db.pool, { name: 'short-lived', role: 'admin' });
    expect((await ctx.http.agent.get(path).set(ctx.http.auth(secret))).status).toBe(200);
    expect(await revokeApiKey(ctx.service.db.pool, key.id)).toBe(true);
    // Revocation is pushed to the service with NOTIFY; allow it a moment to arrive.
    let status = 200;
    for (let i = 0; i < 50 && status === 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      status = (await ctx.http.agent.get(path).set(ctx.http.auth(secret))).status;
    }
    expect(status).toBe(401);
  });

  test('key secrets are stored only as hashes', async () => {
    const { secret } = await createApiKey(ctx.service.db.pool, { name: 'hashed', role: 'read_only' });
    const { rows } = await ctx.service.db.pool.query('SELECT * FROM api_keys');
    expect(JSON.stringify(rows)).not.toContain(secret);
    expect(JSON.stringify(rows)).not.toContain(ctx.service.apiKey);
  });
});

describe('authorization', () => {
  test('read_only may read', async () => {
    const res = await ctx.http.agent.get(path).set(ctx.http.auth(ctx.service.readOnlyApiKey));
    expect(res.status).toBe(200);
  });

  test.each([
    ['POST', (id: string) => ctx.http.agent.post(path).send(validIntegration()), false],
    ['PUT', (id: string) => ctx.http.agent.put(`${path}/${id}`).send(validIntegration()), true],
    ['PATCH', (id: string) => ctx.http.agent.patch(`${path}/${id}`).send({ name: 'x' }), true],
    ['DELETE', (id: string) => ctx.http.agent.delete(`${path}/${id}`), true],
  ])('read_only %s is 403 and the deny evaluation is stored', async (_method, call, _needsId) => {
    const created = await ctx.http.agent.post(path).set(ctx.http.auth()).send(validIntegration());
    const res = await call(created.body.id).set(ctx.http.auth(ctx.service.readOnlyApiKey));
    expect(res.status).toBe(403);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
    const evalId = res.headers[EVALUATION_HEADER.toLowerCase()];
    expect(evalId).toMatch(/^eval_[0-9A-Za-z]{27}$/);
    const stored = await storedEvaluation(evalId);
    expect(stored.allowed).toBe(false);
    expect(stored.payload).toMatchObject({ id: evalId, decision: 4, allowed: false, diagnostics: { reason: [] } });
    const after = await ctx.http.agent.get(`${path}/${created.body.id}`).set(ctx.http.auth());
    expect(after.body.name).toBe(validIntegration().name);
  });
});

describe('authorization evaluations', () => {
  test('every authenticated call, allowed or denied, successful or not, stores one evaluation before answering', async () => {
    const created = await ctx.http.agent.post(path).set(ctx.http.auth()).send(validIntegration());
    const calls = [
      ctx.http.agent.get(path).set(ctx.http.auth()),
      ctx.http.agent.get(`${path}/${created.body.id}`).set(ctx.http.auth(ctx.service.readOnlyApiKey)),
      ctx.http.agent.post(path).set(ctx.http.auth()).send({ name: '' }),
      ctx.http.agent.get(`${path}/whk_3MbBoCj0RGqMz3ONZBJzcvPVpAO`).set(ctx.http.auth()),
      ctx.http.agent.delete(`${path}/${created.body.id}`).set(ctx.http.auth(ctx.service.readOnlyApiKey)),
      ctx.http.agent.patch(`${path}/${created.body.id}`).set(ctx.http.auth()).send({ name: 'renamed' }),
    ];
    const responses = await Promise.all(calls);
    expect(responses.map((r) => r.status)).toEqual([200, 200, 400, 404, 403, 200]);
    for (const res of responses) {
      const id = res.headers[EVALUATION_HEADER.toLowerCase()];
      // Queried right after the response: the row must already be committed.
      expect(await storedEvaluation(id)).toBeDefined();
    }
  });

  test('the stored event has the seed shape and GET /v1/authorization-evaluations/{id} returns it', async () => {
    const res = await ctx.http.agent.get(path).set(ctx.http.auth(ctx.service.readOnlyApiKey));
    const id = res.headers[EVALUATION_HEADER.toLowerCase()];
    const fetched = await ctx.http.agent.get(`/v1/authorization-evaluations/${id}`).set(ctx.http.auth());
    expect(fetched.status).toBe(200);
    const seed = require('../../test/fixtures/authorization-event.json');
    expect(Object.keys(fetched.body).sort()).toEqual(Object.keys(seed).sort());
    expect(Object.keys(fetched.body.request).sort()).toEqual(Object.keys(seed.request).sort());
    expect(Object.keys(fetched.body.diagnostics).sort()).toEqual(Object.keys(seed.diagnostics).sort());
    expect(fetched.body).toMatchObject({
      id,
      request: {
        principal: { type: 'CF::Service', id: expect.stringMatching(/^key_/) },
        action: { type: 'CF::RPC::Action', id: 'commonfate.control.integration.v1alpha1.IntegrationService/ListIntegrations' },
        resource: { type: 'CF::Service', id: 'ControlPlane' },
        tags: [{ key: 'read_only', value: 'true' }],
      },
      decision: 2,
      diagnostics: { reason: ['default_api_authorization_policy.policy1'], errors: [], annotations: [] },
      allowed: true,
    });
    expect(fetched.body.evaluated_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(fetched.body.evaluation_duration).toMatch(/^\d+\.\d{9}s$/);
  });

  test('an unknown evaluation id is 404', async () => {
    const res = await ctx.http.agent.get('/v1/authorization-evaluations/eval_3MbBoCj0RGqMz3ONZBJzcvPVpAO').set(ctx.http.auth());
    expect(res.status).toBe(404);
  });
});
