import { Client } from 'pg';
import { serviceForFile, validIntegration } from '../../test/support/http';
import { entitlement } from '../../test/delivery/harness';
import { pruneIdempotencyKeys } from './store';

/** Idempotency-Key on creating POSTs: replay, mismatch, in flight, per principal, failures not stored. */
const ctx = serviceForFile();
const path = '/v1/webhook-integrations';
const post = (key: string, body: object = validIntegration(), auth = ctx.http.auth()) =>
  ctx.http.agent.post(path).set(auth).set('Idempotency-Key', key).send(body);
const count = async () => Number((await ctx.service.db.pool.query<{ n: string }>('SELECT count(*) AS n FROM webhook_integrations')).rows[0].n);

test('a repeat with the same key and body replays the first response, creating nothing more', async () => {
  const before = await count();
  const first = await post('create-audit-sink-1');
  expect(first.status).toBe(201);
  expect(first.headers['idempotent-replayed']).toBeUndefined();
  // Key order in the body does not matter: the request means the same.
  const reordered = Object.fromEntries(Object.entries(validIntegration()).reverse());
  const again = await post('create-audit-sink-1', reordered);
  expect(again.status).toBe(201);
  expect(again.headers['idempotent-replayed']).toBe('true');
  expect(again.text).toBe(first.text);
  expect(again.headers.location).toBe(first.headers.location);
  expect(again.headers.etag).toBe(first.headers.etag);
  // The replay is a call of its own, with its own stored evaluation.
  expect(again.headers['cf-authorization-evaluation']).not.toBe(first.headers['cf-authorization-evaluation']);
  expect(await count()).toBe(before + 1);
  // The Structured Field form of the same key is the same key.
  const quoted = await post('"create-audit-sink-1"');
  expect(quoted.headers['idempotent-replayed']).toBe('true');
});

test('the same key with a different body is 422 problem+json and creates nothing', async () => {
  await post('create-audit-sink-2');
  const before = await count();
  const res = await post('create-audit-sink-2', validIntegration({ name: 'Another' }));
  expect(res.status).toBe(422);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status: 422, type: 'https://commonfate.io/problems/idempotency-key-reused' });
  expect(await count()).toBe(before);
  // ... and so is the same key on another endpoint.
  const grant = await ctx.http.agent
    .post('/v1/access-requests')
    .set(ctx.http.auth())
    .set('Idempotency-Key', 'create-audit-sink-2')
    .send({ entitlement, justification: 'x', duration_seconds: 60 });
  expect(grant.status).toBe(422);
});

test('keys are per principal; a bad key is 400; a failed request stores nothing and may be retried', async () => {
  const admin = await post('shared-key');
  expect(admin.status).toBe(201);
  // Another principal's key space is its own (read-only may not create: 403, and nothing replays to it).
  const other = await post('shared-key', validIntegration(), ctx.http.auth(ctx.service.readOnlyApiKey));
  expect(other.status).toBe(403);
  const bad = await post('bad key with spaces');
  expect(bad.status).toBe(400);
  expect(bad.body.errors).toEqual([{ path: 'Idempotency-Key', message: expect.stringMatching(/visible ASCII/) }]);
  const invalid = await post('retry-after-fix', validIntegration({ url: 'not a url' }));
  expect(invalid.status).toBe(400);
  const fixed = await post('retry-after-fix');
  expect(fixed.status).toBe(201);
  expect(fixed.headers['idempotent-replayed']).toBeUndefined();
});

test('while the first request is in flight a repeat answers 409; once it finishes the repeat replays it', async () => {
  const g = await ctx.http.agent.post('/v1/access-requests').set(ctx.http.auth()).send({ entitlement, justification: 'x', duration_seconds: 600 });
  const grantId = g.body.grant.id as string;
  await ctx.http.agent.post(`/v1/grants/${grantId}/breakglass`).set(ctx.http.auth()).expect(200);
  // Another session holds the grant's row lock, so the first start waits inside its transaction.
  const blocker = new Client({ connectionString: ctx.service.databaseUrl });
  await blocker.connect();
  try {
    await blocker.query('BEGIN');
    await blocker.query('SELECT 1 FROM grants WHERE id = $1 FOR UPDATE', [grantId]);
    const start = () => ctx.http.agent.post(`/v1/grants/${grantId}/proxy-sessions`).set(ctx.http.auth()).set('Idempotency-Key', 'session-1');
    const first = start().then((r) => r);
    // Wait until the first request is blocked on the row lock (it then holds the key).
    for (let i = 0; i < 200; i++) {
      const { rows } = await ctx.service.db.pool.query(`SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%FROM grants WHERE id%'`);
      if (rows.length) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    const during = await start();
    expect(during.status).toBe(409);
    expect(during.body.type).toBe('https://commonfate.io/problems/request-in-progress');
    expect(during.headers['retry-after']).toBe('1');
    await blocker.query('COMMIT');
    const done = await first;
    expect(done.status).toBe(201);
    const after = await start();
    expect(after.status).toBe(201);
    expect(after.headers['idempotent-replayed']).toBe('true');
    expect(after.body.id).toBe(done.body.id);
    const sessions = await ctx.http.agent.get(`/v1/grants/${grantId}/proxy-sessions`).set(ctx.http.auth());
    expect(sessions.body.items).toHaveLength(1);
  } finally {
    await blocker.end();
  }
});

test('keys are kept 24 hours: an expired key runs the request again', async () => {
  const first = await post('expiring-key');
  const { rows } = await ctx.service.db.pool.query(`SELECT extract(epoch FROM expires_at - created_at) AS ttl FROM idempotency_keys WHERE key = 'expiring-key'`);
  expect(Number(rows[0].ttl)).toBe(24 * 3600);
  await ctx.service.db.pool.query(`UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = 'expiring-key'`);
  const again = await post('expiring-key');
  expect(again.status).toBe(201);
  expect(again.headers['idempotent-replayed']).toBeUndefined();
  expect(again.body.id).not.toBe(first.body.id);
});

test('pruning deletes expired keys only', async () => {
  await post('prune-keeps-me');
  await post('prune-removes-me');
  await ctx.service.db.pool.query(`UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = 'prune-removes-me'`);
  expect(await pruneIdempotencyKeys(ctx.service.db.pool)).toBeGreaterThanOrEqual(1);
  const { rows } = await ctx.service.db.pool.query<{ key: string }>(`SELECT key FROM idempotency_keys WHERE key LIKE 'prune-%'`);
  expect(rows.map((r) => r.key)).toEqual(['prune-keeps-me']);
});
