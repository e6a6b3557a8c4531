import { startTestService } from '../../test/support/service';
import { client, serviceForFile, validIntegration } from '../../test/support/http';

const ctx = serviceForFile();

const path = '/v1/webhook-integrations';

async function create(body: Record<string, unknown> = validIntegration()) {
  const res = await ctx.http.agent.post(path).set(ctx.http.auth()).send(body);
  expect(res.status).toBe(201);
  return res;
}

describe('CRUD', () => {
  test('create answers 201 with Location, ETag and the stored fields, defaults applied', async () => {
    const res = await create({ name: 'Minimal', url: 'https://example.com/hook' });
    expect(res.body.id).toMatch(/^whk_[0-9A-Za-z]{27}$/);
    expect(res.headers.location).toBe(`${path}/${res.body.id}`);
    expect(res.headers.etag).toBe('"1"');
    expect(res.body).toMatchObject({
      name: 'Minimal',
      url: 'https://example.com/hook',
      send_audit_log_events: false,
      send_authorization_events: false,
      headers: [],
      filter_for_actions: [],
      status: 'HEALTHY',
      last_error: null,
    });
    expect(Date.parse(res.body.created_at)).not.toBeNaN();
    expect(res.body).not.toHaveProperty('signing_secret');
  });

  test('get returns what was created; headers keep their order; filter is a sorted set', async () => {
    const created = await create(validIntegration({ filter_for_actions: ['grant.revoked', 'grant.approved', 'grant.revoked'] }));
    const res = await ctx.http.agent.get(`${path}/${created.body.id}`).set(ctx.http.auth());
    expect(res.status).toBe(200);
    expect(res.headers.etag).toBe('"1"');
    expect(res.body.headers).toEqual(validIntegration().headers);
    expect(res.body.filter_for_actions).toEqual(['grant.approved', 'grant.revoked']);
  });

  test('put replaces every field, omitted optional fields return to their defaults', async () => {
    const created = await create();
    const res = await ctx.http.agent
      .put(`${path}/${created.body.id}`)
      .set(ctx.http.auth())
      .send({ name: 'Replaced', url: 'https://other.example.com/x' });
    expect(res.status).toBe(200);
    expect(res.headers.etag).toBe('"2"');
    expect(res.body).toMatchObject({
      id: created.body.id,
      name: 'Replaced',
      url: 'https://other.example.com/x',
      send_audit_log_events: false,
      headers: [],
      filter_for_actions: [],
    });
    expect(Date.parse(res.body.updated_at)).toBeGreaterThanOrEqual(Date.parse(created.body.updated_at));
  });

  test('patch changes only the given fields', async () => {
    const created = await create();
    const res = await ctx.http.agent.patch(`${path}/${created.body.id}`).set(ctx.http.auth()).send({ send_authorization_events: true });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ...validIntegration(), filter_for_actions: ['grant.approved', 'grant.revoked'], send_authorization_events: true });
  });

  test('delete answers 204, then the integration is gone (404 problem)', async () => {
    const created = await create();
    expect((await ctx.http.agent.delete(`${path}/${created.body.id}`).set(ctx.http.auth())).status).toBe(204);
    const res = await ctx.http.agent.get(`${path}/${created.body.id}`).set(ctx.http.auth());
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 404, title: 'Not found' });
    expect((await ctx.http.agent.delete(`${path}/${created.body.id}`).set(ctx.http.auth())).status).toBe(404);
  });

  test('an id that is not an integration id is 404, not 500', async () => {
    for (const id of ['nope', 'whk_short', "whk_'; DROP TABLE x; --", 'eval_3MbBoFvMp3o1XFHI5yfkPyegqBQ']) {
      const res = await ctx.http.agent.get(`${path}/${encodeURIComponent(id)}`).set(ctx.http.auth());
      expect(res.status).toBe(404);
    }
  });
});

describe('pagination', () => {
  test('walks several pages in a stable order without gaps or repeats', async () => {
    const own = await startTestService();
    try {
      const h = client(own);
      const ids: string[] = [];
      for (let i = 0; i < 7; i++) {
        const res = await h.agent.post(path).set(h.auth()).send({ name: `n${i}`, url: 'https://example.com/' });
        ids.push(res.body.id);
      }
      const seen: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const res = await h.agent
          .get(path)
          .query({ page_size: 3, ...(token ? { page_token: token } : {}) })
          .set(h.auth());
        expect(res.status).toBe(200);
        expect(res.body.items.length).toBeLessThanOrEqual(3);
        seen.push(...res.body.items.map((i: { id: string }) => i.id));
        token = res.body.next_page_token;
        pages++;
      } while (token);
      expect(pages).toBe(3);
      expect(seen).toEqual([...ids].sort());
      expect(new Set(seen).size).toBe(7);
    } finally {
      await own.stop();
    }
  });

  test.each([
    [{ page_size: '0' }, 'page_size'],
    [{ page_size: '101' }, 'page_size'],
    [{ page_size: 'ten' }, 'page_size'],
    [{ page_size: '2.5' }, 'page_size'],
    [{ page_token: 'not-a-token' }, 'page_token'],
    [{ colour: 'blue' }, 'colour'],
  ])('bad query %j is a 400 naming %s', async (query, field) => {
    const res = await ctx.http.agent.get(path).query(query).set(ctx.http.auth());
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(field);
  });
});

describe('If-Match', () => {
  test('a stale ETag is refused with 412 and nothing changes; the current one succeeds', async () => {
    const created = await create();
    const id = created.body.id;
    const first = await ctx.http.agent.patch(`${path}/${id}`).set(ctx.http.auth()).set('If-Match', '"1"').send({ name: 'First' });
    expect(first.status).toBe(200);
    expect(first.headers.etag).toBe('"2"');

    const stale = await ctx.http.agent.patch(`${path}/${id}`).set(ctx.http.auth()).set('If-Match', '"1"').send({ name: 'Lost' });
    expect(stale.status).toBe(412);
    expect(stale.headers['content-type']).toMatch(/problem\+json/);
    const stalePut = await ctx.http.agent.put(`${path}/${id}`).set(ctx.http.auth()).set('If-Match', '"1"').send(validIntegration({ name: 'Lost' }));
    expect(stalePut.status).toBe(412);
    const staleDelete = await ctx.http.agent.delete(`${path}/${id}`).set(ctx.http.auth()).set('If-Match', '"1"');
    expect(staleDelete.status).toBe(412);

    const current = await ctx.http.agent.get(`${path}/${id}`).set(ctx.http.auth());
    expect(current.body.name).toBe('First');
    const del = await ctx.http.agent.delete(`${path}/${id}`).set(ctx.http.auth()).set('If-Match', current.headers.etag);
    expect(del.status).toBe(204);
  });

  test('concurrent PATCHes without If-Match all apply, one after another, each with its own version', async () => {
    const created = await create({ name: 'c', url: 'https://example.com/' });
    const id = created.body.id;
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => ctx.http.agent.patch(`${path}/${id}`).set(ctx.http.auth()).send({ name: `writer ${i}` })),
    );
    // RFC 9110: 412 only answers a condition the client sent; none did, so none fails.
    expect(results.map((r) => r.status)).toEqual(Array(30).fill(200));
    const versions = results.map((r) => Number(JSON.parse(r.headers.etag)));
    expect([...versions].sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i + 2));
    // Each response shows its own write; the last version is the last write (last write wins).
    for (const r of results) expect(r.body.name).toMatch(/^writer \d+$/);
    const last = results.find((r) => r.headers.etag === '"31"')!;
    const final = await ctx.http.agent.get(`${path}/${id}`).set(ctx.http.auth());
    expect(final.headers.etag).toBe('"31"');
    expect(final.body.name).toBe(last.body.name);
  });

  test('If-Match: * needs the integration to exist; a weak or malformed tag never matches', async () => {
    const created = await create();
    const id = created.body.id;
    expect((await ctx.http.agent.patch(`${path}/${id}`).set(ctx.http.auth()).set('If-Match', '*').send({ name: 'any' })).status).toBe(200);
    expect((await ctx.http.agent.patch(`${path}/${id}`).set(ctx.http.auth()).set('If-Match', 'W/"2"').send({ name: 'weak' })).status).toBe(412);
    expect((await ctx.http.agent.patch(`${path}/${id}`).set(ctx.http.auth()).set('If-Match', 'nonsense').send({ name: 'x' })).status).toBe(412);
    expect((await ctx.http.agent.patch(`${path}/${id}`).set(ctx.http.auth()).set('If-Match', '"9", "2"').send({ name: 'listed' })).status).toBe(200);
    const gone = 'whk_2f0ChzJvrOOqchMhRmJieErz9Bl';
    expect((await ctx.http.agent.patch(`${path}/${gone}`).set(ctx.http.auth()).set('If-Match', '*').send({ name: 'x' })).status).toBe(404);
  });
});
