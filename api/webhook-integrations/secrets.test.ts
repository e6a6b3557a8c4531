import { generateKey, Keyring } from '../secrets/keyring';
import { serviceForFile, validIntegration } from '../../test/support/http';
import { headersContext, signingSecretContext } from './secrets';

/**
 * Header values and signing secrets through the API: encrypted in the database, shown to admins, redacted for
 * read-only principals by a Cedar decision, kept by name on update, and never shown as ciphertext.
 */
const ctx = serviceForFile();
const path = '/v1/webhook-integrations';
const SECRET = 'Bearer tok-5e1f0c2a9b';

async function create(body: Record<string, unknown> = validIntegration({ headers: [{ key: 'Authorization', value: SECRET }, { key: 'X-Team', value: 'platform' }] })) {
  const res = await ctx.http.agent.post(path).set(ctx.http.auth()).send(body);
  expect(res.status).toBe(201);
  return res.body as { id: string; headers: unknown[] };
}

async function storedRow(id: string) {
  const { rows } = await ctx.service.db.pool.query(
    'SELECT headers, signing_secret, previous_signing_secret FROM webhook_integrations WHERE id = $1',
    [id],
  );
  return rows[0] as { headers: Array<Record<string, string>>; signing_secret: string; previous_signing_secret: string | null };
}

describe('redaction', () => {
  test('admins see header values; read-only keys see each header as {key, redacted: true} in get, list and the ETag is the same', async () => {
    const { id } = await create();
    const admin = await ctx.http.agent.get(`${path}/${id}`).set(ctx.http.auth());
    expect(admin.body.headers).toEqual([
      { key: 'Authorization', value: SECRET },
      { key: 'X-Team', value: 'platform' },
    ]);
    const reader = await ctx.http.agent.get(`${path}/${id}`).set(ctx.http.auth(ctx.service.readOnlyApiKey));
    expect(reader.status).toBe(200);
    expect(reader.body.headers).toEqual([
      { key: 'Authorization', redacted: true },
      { key: 'X-Team', redacted: true },
    ]);
    expect(JSON.stringify(reader.body)).not.toContain(SECRET);
    expect(reader.headers.etag).toBe(admin.headers.etag);

    const list = await ctx.http.agent.get(`${path}?page_size=100`).set(ctx.http.auth(ctx.service.readOnlyApiKey));
    const item = list.body.items.find((i: { id: string }) => i.id === id);
    expect(item.headers).toEqual([
      { key: 'Authorization', redacted: true },
      { key: 'X-Team', redacted: true },
    ]);
    expect(JSON.stringify(list.body)).not.toContain(SECRET);
  });

  test('read-only keys get no signing secret (403), as before', async () => {
    const { id } = await create();
    const res = await ctx.http.agent.get(`${path}/${id}/secret`).set(ctx.http.auth(ctx.service.readOnlyApiKey));
    expect(res.status).toBe(403);
    expect(JSON.stringify(res.body)).not.toMatch(/whsec_/);
  });

  test('/openapi.json documents both header forms', async () => {
    const doc = (await ctx.http.agent.get('/openapi.json')).body;
    const schemas = doc.components.schemas;
    expect(schemas.RedactedHeader.properties.redacted.const).toBe(true);
    expect(schemas.RedactedHeader.required).toEqual(['key', 'redacted']);
    const headers = schemas.WebhookIntegration.properties.headers;
    expect(JSON.stringify(headers.items)).toContain('#/components/schemas/RedactedHeader');
    expect(JSON.stringify(headers.items)).toContain('#/components/schemas/Header');
    expect(schemas.HeaderInput.properties).toHaveProperty('redacted');
  });
});

describe('at rest', () => {
  test('header values and the signing secret are stored sealed with the key id, bound to the integration', async () => {
    const { id } = await create();
    const row = await storedRow(id);
    const text = JSON.stringify(row);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain('platform');
    expect(row.signing_secret).toMatch(/^v1:[0-9a-f]{16}:[A-Za-z0-9_-]+$/);
    expect(row.headers.map((h) => Object.keys(h).sort())).toEqual([['key', 'sealed'], ['key', 'sealed']]);
    const ring = ctx.service.keyring;
    expect(row.signing_secret.split(':')[1]).toBe(ring.primaryId);
    expect(ring.open(row.headers[0].sealed, headersContext(id))).toBe(SECRET);
    const secret = await ctx.http.agent.get(`${path}/${id}/secret`).set(ctx.http.auth());
    expect(ring.open(row.signing_secret, signingSecretContext(id))).toBe(secret.body.secret);
    expect(secret.body.secret).toMatch(/^whsec_/);
  });

  test('a rotation keeps the previous secret sealed, and the new one is returned in clear once', async () => {
    const { id } = await create();
    const before = await ctx.http.agent.get(`${path}/${id}/secret`).set(ctx.http.auth());
    const rotated = await ctx.http.agent.post(`${path}/${id}/secret/rotate`).set(ctx.http.auth());
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    const row = await storedRow(id);
    expect(JSON.stringify(row)).not.toContain(rotated.body.secret.slice('whsec_'.length));
    expect(JSON.stringify(row)).not.toContain(before.body.secret.slice('whsec_'.length));
    expect(ctx.service.keyring.open(row.previous_signing_secret!, signingSecretContext(id))).toBe(before.body.secret);
    expect((await ctx.http.agent.get(`${path}/${id}/secret`).set(ctx.http.auth())).body.secret).toBe(rotated.body.secret);
  });

  test('a response stored for an Idempotency-Key replay is sealed too, and replays in clear', async () => {
    const key = `idem-${Date.now()}`;
    const body = validIntegration({ headers: [{ key: 'Authorization', value: SECRET }] });
    const first = await ctx.http.agent.post(path).set(ctx.http.auth()).set('Idempotency-Key', key).send(body);
    expect(first.status).toBe(201);
    const { rows } = await ctx.service.db.pool.query('SELECT body FROM idempotency_keys WHERE key = $1', [key]);
    expect(rows[0].body).toMatch(/^v1:[0-9a-f]{16}:/);
    expect(rows[0].body).not.toContain(SECRET);
    const replay = await ctx.http.agent.post(path).set(ctx.http.auth()).set('Idempotency-Key', key).send(body);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toEqual(first.body);
  });

  test('a value no configured key opens answers 500 secrets-unreadable, naming the key id and never the ciphertext', async () => {
    const { id } = await create();
    const foreign = new Keyring([Buffer.from(generateKey(), 'base64')]);
    const sealed = foreign.seal('elsewhere', headersContext(id));
    // As a restore from another deployment would leave it (a new version: nothing of it was ever read here).
    await ctx.service.db.pool.query(`UPDATE webhook_integrations SET headers = $2::jsonb, version = version + 1 WHERE id = $1`, [
      id,
      JSON.stringify([{ key: 'X-Foreign', sealed }]),
    ]);

    const res = await ctx.http.agent.get(`${path}/${id}`).set(ctx.http.auth());
    expect(res.status).toBe(500);
    expect(res.body.type).toBe('https://commonfate.io/problems/secrets-unreadable');
    expect(res.body.detail).toContain(foreign.primaryId);
    expect(JSON.stringify(res.body)).not.toContain(sealed.split(':')[2]);
    // A principal who is not shown values needs no key: the redacted view still works.
    const reader = await ctx.http.agent.get(`${path}/${id}`).set(ctx.http.auth(ctx.service.readOnlyApiKey));
    expect(reader.body.headers).toEqual([{ key: 'X-Foreign', redacted: true }]);
    // Nothing is sent with a secret that does not open.
    const test = await ctx.http.agent.post(`${path}/${id}/test`).set(ctx.http.auth());
    expect(test.status).toBe(500);
    expect(test.body.type).toBe('https://commonfate.io/problems/secrets-unreadable');
  });
});

describe('keeping a stored value by name', () => {
  test('PUT and PATCH with {key, redacted: true} keep the value stored for that name (ignoring case) and may rename its case', async () => {
    const { id } = await create();
    const put = await ctx.http.agent
      .put(`${path}/${id}`)
      .set(ctx.http.auth())
      .send({ ...validIntegration(), headers: [{ key: 'X-New', value: 'n' }, { key: 'authorization', redacted: true }] });
    expect(put.status).toBe(200);
    expect(put.body.headers).toEqual([
      { key: 'X-New', value: 'n' },
      { key: 'authorization', value: SECRET },
    ]);
    const patch = await ctx.http.agent
      .patch(`${path}/${id}`)
      .set(ctx.http.auth())
      .send({ headers: [{ key: 'Authorization', redacted: true }] });
    expect(patch.status).toBe(200);
    expect(patch.body.headers).toEqual([{ key: 'Authorization', value: SECRET }]);
    expect(JSON.stringify(await storedRow(id))).not.toContain(SECRET);
  });

  test('a redacted header with no stored value is refused with its path, and changes nothing', async () => {
    const { id } = await create();
    const res = await ctx.http.agent
      .patch(`${path}/${id}`)
      .set(ctx.http.auth())
      .send({ name: 'Changed', headers: [{ key: 'Authorization', redacted: true }, { key: 'X-Missing', redacted: true }] });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ path: 'headers[1]', message: expect.stringContaining('no value is stored for "X-Missing"') }]);
    const after = await ctx.http.agent.get(`${path}/${id}`).set(ctx.http.auth());
    expect(after.body.name).toBe('Audit sink');
    expect(after.headers.etag).toBe('"1"');
  });

  test('a stale If-Match is still 412, not a header problem', async () => {
    const { id } = await create();
    const res = await ctx.http.agent
      .patch(`${path}/${id}`)
      .set(ctx.http.auth())
      .set('If-Match', '"7"')
      .send({ headers: [{ key: 'X-Missing', redacted: true }] });
    expect(res.status).toBe(412);
  });

  test('creating with a redacted header is refused: there is nothing to keep', async () => {
    const res = await ctx.http.agent
      .post(path)
      .set(ctx.http.auth())
      .send(validIntegration({ headers: [{ key: 'Authorization', redacted: true }] }));
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ path: 'headers[0]', message: expect.stringContaining('no stored value to keep') }]);
  });
});
