import { serviceForFile, validIntegration } from '../../test/support/http';
import { LIMITS } from '../../contract';

const ctx = serviceForFile({ env: { CF_WEBHOOK_ALLOW_HTTP: 'false' } });

const path = '/v1/webhook-integrations';

async function problems(body: unknown): Promise<Array<{ path: string; message: string }>> {
  const res = await ctx.http.agent.post(path).set(ctx.http.auth()).send(body as object);
  expect(res.status).toBe(400);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ type: expect.stringContaining('validation'), title: 'Validation failed', status: 400 });
  return res.body.errors;
}

async function countIntegrations(): Promise<number> {
  const { rows } = await ctx.service.db.pool.query<{ n: string }>('SELECT count(*) AS n FROM webhook_integrations');
  return Number(rows[0].n);
}

test('the issue example names every problem with its path, and stores nothing', async () => {
  const before = await countIntegrations();
  const errors = await problems({
    name: '',
    url: 'ftp://x',
    headers: [{ key: 'Bad Header', value: 'a\r\nb' }],
    filter_for_actions: ['grant.nope'],
  });
  expect(errors.map((e) => e.path).sort()).toEqual(['filter_for_actions[0]', 'headers[0].key', 'headers[0].value', 'name', 'url']);
  expect(errors.find((e) => e.path === 'url')!.message).toMatch(/https/);
  expect(errors.find((e) => e.path === 'headers[0].value')!.message).toMatch(/CR, LF/);
  expect(errors.find((e) => e.path === 'filter_for_actions[0]')!.message).toMatch(/grant\.requested/);
  expect(await countIntegrations()).toBe(before);
});

describe('name', () => {
  test.each([
    ['empty', '', /empty/],
    ['blank', '   ', /empty/],
    ['too long', 'x'.repeat(LIMITS.nameMaxLength + 1), /at most/],
    ['a number', 42, /string/],
    ['null', null, /string/],
  ])('%s is refused', async (_label, name, message) => {
    const errors = await problems(validIntegration({ name }));
    expect(errors).toEqual([{ path: 'name', message: expect.stringMatching(message) }]);
  });

  test('missing is refused', async () => {
    const { name: _omit, ...body } = validIntegration();
    expect((await problems(body)).map((e) => e.path)).toEqual(['name']);
  });

  test('the longest allowed name is accepted', async () => {
    const res = await ctx.http.agent.post(path).set(ctx.http.auth()).send(validIntegration({ name: 'x'.repeat(LIMITS.nameMaxLength) }));
    expect(res.status).toBe(201);
  });
});

describe('url', () => {
  test.each([
    ['relative', '/webhook', /absolute/],
    ['not a url', 'not a url', /absolute/],
    ['ftp', 'ftp://example.com/x', /https/],
    ['plain http while not allowed', 'http://example.com/x', /https/],
    ['javascript', 'javascript:alert(1)', /https/],
    ['credentials', 'https://user:pw@example.com/x', /credentials/],
    ['fragment', 'https://example.com/x#frag', /fragment/],
    ['too long', `https://example.com/${'a'.repeat(LIMITS.urlMaxLength)}`, /at most/],
    ['empty', '', /empty/],
    ['an object', { href: 'https://example.com' }, /string/],
  ])('%s is refused', async (_label, url, message) => {
    const errors = await problems(validIntegration({ url }));
    expect(errors).toEqual([{ path: 'url', message: expect.stringMatching(message) }]);
  });

  test('https with port, path and query is accepted', async () => {
    const res = await ctx.http.agent.post(path).set(ctx.http.auth()).send(validIntegration({ url: 'https://hooks.example.com:8443/a/b?c=d' }));
    expect(res.status).toBe(201);
  });
});

describe('toggles', () => {
  test.each([['send_audit_log_events'], ['send_authorization_events']])('%s must be a boolean', async (field) => {
    const errors = await problems(validIntegration({ [field]: 'true' }));
    expect(errors).toEqual([{ path: field, message: expect.stringMatching(/boolean/) }]);
  });
});

describe('headers', () => {
  test.each([
    ['space in name', [{ key: 'Bad Header', value: 'v' }], 'headers[0].key', /valid HTTP header name/],
    ['colon in name', [{ key: 'X-A:', value: 'v' }], 'headers[0].key', /valid HTTP header name/],
    ['empty name', [{ key: '', value: 'v' }], 'headers[0].key', /empty/],
    ['CRLF injection in value', [{ key: 'X-A', value: 'v\r\nX-Injected: 1' }], 'headers[0].value', /CR, LF/],
    ['LF in value', [{ key: 'X-A', value: 'v\nw' }], 'headers[0].value', /CR, LF/],
    ['NUL in value', [{ key: 'X-A', value: 'v\u0000' }], 'headers[0].value', /NUL/],
    ['other control character in value', [{ key: 'X-A', value: 'v\u0007' }], 'headers[0].value', /control/],
    ['CRLF in name', [{ key: 'X-A\r\nX-B', value: 'v' }], 'headers[0].key', /valid HTTP header name/],
    ['value too long', [{ key: 'X-A', value: 'v'.repeat(LIMITS.headerValueMaxLength + 1) }], 'headers[0].value', /at most/],
    ['name too long', [{ key: 'X'.repeat(LIMITS.headerKeyMaxLength + 1), value: 'v' }], 'headers[0].key', /at most/],
    ['Host reserved', [{ key: 'host', value: 'v' }], 'headers[0].key', /reserved/],
    ['Content-Type reserved', [{ key: 'Content-Type', value: 'text/plain' }], 'headers[0].key', /reserved/],
    ['Content-Length reserved', [{ key: 'content-length', value: '1' }], 'headers[0].key', /reserved/],
    ['Transfer-Encoding reserved', [{ key: 'Transfer-Encoding', value: 'chunked' }], 'headers[0].key', /reserved/],
    ['Connection reserved', [{ key: 'Connection', value: 'close' }], 'headers[0].key', /reserved/],
    ['User-Agent reserved', [{ key: 'User-Agent', value: 'x' }], 'headers[0].key', /reserved/],
    ['webhook-* reserved', [{ key: 'Webhook-Signature', value: 'v1,x' }], 'headers[0].key', /reserved/],
    [
      'duplicate ignoring case',
      [
        { key: 'X-Token', value: 'a' },
        { key: 'x-token', value: 'b' },
      ],
      'headers[1].key',
      /duplicates the header at index 0/,
    ],
    ['unknown field in a header', [{ key: 'X-A', value: 'v', sensitive: true }], 'headers[0].sensitive', /not a known field/],
    ['value missing', [{ key: 'X-A' }], 'headers[0].value', /exactly one of value and redacted: true/],
    ['value and redacted both', [{ key: 'X-A', value: 'v', redacted: true }], 'headers[0]', /exactly one of value and redacted: true/],
    ['redacted other than true', [{ key: 'X-A', redacted: false }], 'headers[0].redacted', /true/],
    ['not a list', { 'X-A': 'v' }, 'headers', /array/],
  ])('%s is refused at %s', async (_label, headers, at, message) => {
    const errors = await problems(validIntegration({ headers }));
    expect(errors).toEqual([{ path: at, message: expect.stringMatching(message) }]);
  });

  test('too many headers is refused', async () => {
    const headers = Array.from({ length: LIMITS.headersMaxCount + 1 }, (_, i) => ({ key: `X-H${i}`, value: 'v' }));
    const errors = await problems(validIntegration({ headers }));
    expect(errors).toEqual([{ path: 'headers', message: expect.stringMatching(/at most/) }]);
  });

  test('error messages never repeat a header value', async () => {
    const res = await ctx.http.agent
      .post(path)
      .set(ctx.http.auth())
      .send(validIntegration({ headers: [{ key: 'X-Secret', value: 'sup3r-s3cret\r\n' }] }));
    expect(res.status).toBe(400);
    expect(res.text).not.toContain('sup3r-s3cret');
  });

  test('token characters and tabs inside values are accepted', async () => {
    const res = await ctx.http.agent
      .post(path)
      .set(ctx.http.auth())
      .send(validIntegration({ headers: [{ key: "X-!#$%&'*+-.^_`|~9", value: 'a\tb' }] }));
    expect(res.status).toBe(201);
  });
});

describe('filter_for_actions', () => {
  test('unknown action names are refused, each at its index', async () => {
    const errors = await problems(validIntegration({ filter_for_actions: ['grant.revoked', 'grant.nope', 'GRANT.REVOKED'] }));
    expect(errors.map((e) => e.path)).toEqual(['filter_for_actions[1]', 'filter_for_actions[2]']);
  });

  test('must be a list of strings', async () => {
    expect((await problems(validIntegration({ filter_for_actions: 'grant.revoked' }))).map((e) => e.path)).toEqual([
      'filter_for_actions',
    ]);
  });
});

describe('body', () => {
  test('unknown fields are refused by name', async () => {
    const errors = await problems({ ...validIntegration(), signing_secret: 'x', id: 'whk_x' });
    expect(errors.map((e) => e.path).sort()).toEqual(['id', 'signing_secret']);
  });

  test.each([[[]], ['a string'], [42], [null]])('a body of %j is refused', async (body) => {
    const res = await ctx.http.agent.post(path).set(ctx.http.auth()).set('Content-Type', 'application/json').send(JSON.stringify(body));
    expect(res.status).toBe(400);
    expect(res.body.errors.length).toBeGreaterThan(0);
  });

  test('PATCH validates the fields it is given, with the same rules', async () => {
    const created = await ctx.http.agent.post(path).set(ctx.http.auth()).send(validIntegration());
    const res = await ctx.http.agent
      .patch(`${path}/${created.body.id}`)
      .set(ctx.http.auth())
      .send({ url: 'http://example.com', headers: [{ key: 'Host', value: 'x' }], bogus: 1 });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['bogus', 'headers[0].key', 'url']);
    const after = await ctx.http.agent.get(`${path}/${created.body.id}`).set(ctx.http.auth());
    expect(after.body.url).toBe(validIntegration().url);
  });
});
