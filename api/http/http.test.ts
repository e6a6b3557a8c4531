import { serviceForFile, validIntegration } from '../../test/support/http';

const ctx = serviceForFile();

const path = '/v1/webhook-integrations';

function expectProblem(res: { status: number; headers: Record<string, string>; body: Record<string, unknown> }, status: number) {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status, type: expect.stringMatching(/^https:\/\//), title: expect.any(String), detail: expect.any(String) });
}

test('malformed JSON is 400', async () => {
  const res = await ctx.http.agent.post(path).set(ctx.http.auth()).set('Content-Type', 'application/json').send('{"name": "x",');
  expectProblem(res, 400);
  expect(res.body.title).toBe('Malformed JSON');
});

test('a non-JSON content type is 415', async () => {
  const res = await ctx.http.agent.post(path).set(ctx.http.auth()).set('Content-Type', 'text/plain').send('name=x');
  expectProblem(res, 415);
  const form = await ctx.http.agent.post(path).set(ctx.http.auth()).type('form').send({ name: 'x' });
  expectProblem(form, 415);
});

test('a body over 1 MiB is 413', async () => {
  const big = JSON.stringify({ ...validIntegration(), name: 'x'.repeat(1024 * 1024 + 10) });
  const res = await ctx.http.agent.post(path).set(ctx.http.auth()).set('Content-Type', 'application/json').send(big);
  expectProblem(res, 413);
});

test('a body just under 1 MiB is parsed (and then validated)', async () => {
  const body = JSON.stringify({ ...validIntegration(), name: 'x'.repeat(1024 * 1024 - 400) });
  const res = await ctx.http.agent.post(path).set(ctx.http.auth()).set('Content-Type', 'application/json').send(body);
  expectProblem(res, 400);
  expect(res.body.errors).toEqual([{ path: 'name', message: expect.stringMatching(/at most/) }]);
});

test('application/merge-patch+json is accepted for PATCH', async () => {
  const created = await ctx.http.agent.post(path).set(ctx.http.auth()).send(validIntegration());
  const res = await ctx.http.agent
    .patch(`${path}/${created.body.id}`)
    .set(ctx.http.auth())
    .set('Content-Type', 'application/merge-patch+json')
    .send(JSON.stringify({ name: 'merged' }));
  expect(res.status).toBe(200);
  expect(res.body.name).toBe('merged');
});

test.each([
  ['GET', '/nope'],
  ['GET', '/v1/nope'],
  ['POST', '/v2/webhook-integrations'],
])('unknown route %s %s is 404 problem+json', async (method, url) => {
  const res = await ctx.http.agent[method.toLowerCase() as 'get'](url).set(ctx.http.auth());
  expectProblem(res, 404);
});

test.each([
  ['delete', path, 'GET, POST'],
  ['put', path, 'GET, POST'],
  ['post', `${path}/whk_3MbBoCj0RGqMz3ONZBJzcvPVpAO`, 'GET, PUT, PATCH, DELETE'],
])('unsupported method %s on %s is 405 with Allow', async (method, url, allow) => {
  const res = await ctx.http.agent[method as 'get'](url).set(ctx.http.auth());
  expectProblem(res, 405);
  expect(res.headers.allow).toBe(allow);
});

test('every response carries a request id; a safe caller id is echoed', async () => {
  const res = await ctx.http.agent.get(path).set(ctx.http.auth()).set('X-Request-Id', 'trace-123');
  expect(res.headers['x-request-id']).toBe('trace-123');
  const unsafe = await ctx.http.agent.get(path).set(ctx.http.auth()).set('X-Request-Id', 'bad id with spaces');
  expect(unsafe.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
});

test('/healthz and /readyz', async () => {
  expect((await ctx.http.agent.get('/healthz')).body).toEqual({ status: 'ok' });
  const ready = await ctx.http.agent.get('/readyz');
  expect(ready.status).toBe(200);
  expect(ready.body.status).toBe('ready');
});

test('/readyz reports not ready when a migration is missing', async () => {
  await ctx.service.db.pool.query(`UPDATE "_prisma_migrations" SET rolled_back_at = now() WHERE migration_name = (SELECT max(migration_name) FROM "_prisma_migrations")`);
  try {
    const res = await ctx.http.agent.get('/readyz');
    expect(res.status).toBe(503);
    expect(res.body.detail).toMatch(/pending migrations/);
  } finally {
    await ctx.service.db.pool.query(`UPDATE "_prisma_migrations" SET rolled_back_at = NULL`);
  }
});

describe('OpenAPI', () => {
  test('/openapi.json is OpenAPI 3.1 generated from the request schemas', async () => {
    const res = await ctx.http.agent.get('/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    const input = res.body.components.schemas.WebhookIntegrationInput;
    expect(input.required.sort()).toEqual(['name', 'url']);
    expect(input.additionalProperties).toBe(false);
    expect(input.properties.filter_for_actions.items.enum).toContain('grant.deprovisioning_error');
    expect(res.body.paths['/v1/webhook-integrations'].post.requestBody.content['application/json'].schema.$ref).toBe(
      '#/components/schemas/WebhookIntegrationInput',
    );
    const refs = JSON.stringify(res.body).match(/#\/components\/schemas\/\w+/g) ?? [];
    for (const ref of refs) expect(res.body.components.schemas).toHaveProperty(ref.split('/').pop()!);
    // Every operation is grouped on the docs page under a declared tag.
    const declared = res.body.tags.map((t: { name: string }) => t.name);
    for (const item of Object.values(res.body.paths) as Array<Record<string, { tags?: string[] }>>) {
      for (const method of ['get', 'put', 'post', 'patch', 'delete']) {
        if (item[method]) expect(declared).toEqual(expect.arrayContaining(item[method].tags ?? ['(untagged)']));
      }
    }
  });

  test('/docs is served with its assets from this process', async () => {
    const page = await ctx.http.agent.get('/docs');
    expect(page.status).toBe(200);
    expect(page.text).not.toMatch(/https?:\/\//);
    for (const asset of page.text.match(/(?:src|href)="([^"]+)"/g)!.map((m) => m.split('"')[1])) {
      const res = await ctx.http.agent.get(asset);
      expect(res.status).toBe(200);
      expect(res.text.length).toBeGreaterThan(10);
    }
  });
});
