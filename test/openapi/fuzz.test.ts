/**
 * A small, seeded fuzz run against /openapi.json: every operation is called with missing and read-only
 * credentials, good and bad ids, junk query parameters, malformed, mistyped, oversized and wrongly typed bodies,
 * stale If-Match and reused Idempotency-Keys, and every path with methods it does not support. Every status
 * observed must be documented for that operation, no call may answer 500, and every error is problem+json.
 */
import { serviceForFile, validIntegration } from '../support/http';
import { entitlement } from '../delivery/harness';

const ctx = serviceForFile();

type Json = Record<string, any>;
const METHODS = ['get', 'put', 'post', 'patch', 'delete'] as const;

/** mulberry32: a deterministic generator, so a failing run can be replayed. */
function prng(seed: number) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = prng(20261201);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
const JUNK: unknown[] = [null, true, 0, -1, 1.5, 1e308, '', ' ', 'x'.repeat(300), '\u0000', 'grant.nope', [], [1, 'a'], {}, { nested: { deep: [null] } }];

/** Values of the wrong shape for a schema, and objects with fields missing, mistyped or unknown. */
function junkBodies(schema: Json | undefined, valid: Json | undefined): unknown[] {
  const out: unknown[] = [null, [], 'text', 42, {}];
  if (valid) {
    for (const key of Object.keys(valid)) {
      const { [key]: _dropped, ...without } = valid;
      out.push(without, { ...valid, [key]: pick(JUNK) }, { ...valid, [key]: pick(JUNK) });
    }
    out.push({ ...valid, unknown_field: pick(JUNK) });
  }
  if (schema?.properties) for (const key of Object.keys(schema.properties)) out.push({ [key]: pick(JUNK) });
  return out;
}

test('every status a fuzz run observes is documented for its operation', async () => {
  const { agent, auth } = ctx.http;
  const doc = (await agent.get('/openapi.json')).body as Json;
  const resolve = (s: Json | undefined): Json | undefined => (s?.$ref ? doc.components.schemas[s.$ref.split('/').pop()] : s);

  // Real resources, so ids reach handlers (and their 200s, 404s and 409s) as well as the id check.
  const integration = (await agent.post('/v1/webhook-integrations').set(auth()).send(validIntegration())).body;
  const request = (await agent.post('/v1/access-requests').set(auth()).send({ entitlement, justification: 'fuzz', duration_seconds: 600 })).body;
  await agent.post(`/v1/grants/${request.grant.id}/breakglass`).set(auth());
  const session = (await agent.post(`/v1/grants/${request.grant.id}/proxy-sessions`).set(auth())).body;
  const evaluationId = (await agent.get('/v1/webhook-integrations').set(auth())).headers['cf-authorization-evaluation'];
  const real: Record<string, string> = { whk: integration.id, req: request.id, gra: request.grant.id, pxs: session.id, eval: evaluationId, dlv: 'dlv_2f0ChzJvrOOqchMhRmJieErz9Bl' };
  const validBodies: Record<string, Json> = {
    WebhookIntegrationInput: validIntegration(),
    WebhookIntegrationPatch: { name: 'patched' },
    AccessRequestInput: { entitlement, justification: 'fuzz', duration_seconds: 60 },
    ExtendInput: { duration_seconds: 60 },
  };

  const observed: Array<{ op: string; status: number; documented: boolean; problem: boolean }> = [];
  let calls = 0;
  for (const [path, item] of Object.entries(doc.paths) as Array<[string, Json]>) {
    const declared = METHODS.filter((m) => item[m]);
    for (const method of declared) {
      const op = item[method];
      const params: Json[] = op.parameters ?? [];
      const documented = new Set(Object.keys(op.responses));
      const bodyRef = op.requestBody?.content?.['application/json']?.schema?.$ref?.split('/').pop();
      const bodySchema = resolve(op.requestBody?.content?.['application/json']?.schema);
      const urlWith = (idOf: (prefix: string) => string) =>
        path.replace(/\{(\w+)\}/g, (_m, name) => {
          const pattern = params.find((p) => p.name === name)?.schema?.pattern as string;
          return encodeURIComponent(idOf(pattern.slice(1, pattern.indexOf('_'))));
        });
      const urls = [
        urlWith((prefix) => real[prefix] ?? `${prefix}_2f0ChzJvrOOqchMhRmJieErz9Bl`),
        urlWith((prefix) => `${prefix}_${'0'.repeat(27)}`),
        urlWith(() => pick(['nope', 'whk_short', "x'; DROP TABLE grants; --", '%', '..'])),
      ];
      type Variant = { url: string; headers?: Record<string, string>; body?: string | object; noAuth?: boolean; key?: string };
      const variants: Variant[] = [];
      for (const url of urls) variants.push({ url }, { url, noAuth: true }, { url, key: ctx.service.readOnlyApiKey }, { url, headers: { Authorization: 'Bearer wrong' }, noAuth: true });
      for (const p of params.filter((x) => x.in === 'query')) {
        for (let i = 0; i < 4; i++) variants.push({ url: `${urls[0]}?${p.name}=${encodeURIComponent(String(pick(JUNK)))}` });
      }
      variants.push({ url: `${urls[0]}?unknown_param=1` });
      if (params.some((p) => p.name === 'If-Match')) {
        for (const tag of ['"1"', '"999"', '*', 'W/"1"', 'garbage']) variants.push({ url: urls[0], headers: { 'If-Match': tag }, body: validBodies[bodyRef] });
      }
      if (op.requestBody) {
        variants.push(
          { url: urls[0], headers: { 'Content-Type': 'application/json' }, body: '{"name": ' },
          { url: urls[0], headers: { 'Content-Type': 'text/plain' }, body: 'name=x' },
          { url: urls[0], headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'name=x' },
          { url: urls[0], headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'x'.repeat(1024 * 1024 + 1) }) },
        );
        for (const b of junkBodies(bodySchema, validBodies[bodyRef])) variants.push({ url: urls[0], headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(b) });
      }
      if (op.parameters?.some((p: Json) => p.name === 'Idempotency-Key') || method === 'post') {
        const key = `fuzz-${calls}`;
        variants.push(
          { url: urls[0], headers: { 'Idempotency-Key': key }, body: validBodies[bodyRef] },
          { url: urls[0], headers: { 'Idempotency-Key': key }, body: validBodies[bodyRef] },
          { url: urls[0], headers: { 'Idempotency-Key': key }, body: { ...validBodies[bodyRef], name: 'different' } },
          { url: urls[0], headers: { 'Idempotency-Key': 'has spaces' }, body: validBodies[bodyRef] },
        );
      }
      for (const v of variants) {
        let req = agent[method](v.url);
        if (!v.noAuth) req = req.set(auth(v.key));
        for (const [k, value] of Object.entries(v.headers ?? {})) req = req.set(k, value);
        const res = await (v.body === undefined ? req : req.send(v.body as object));
        calls++;
        observed.push({
          op: `${method.toUpperCase()} ${path}`,
          status: res.status,
          documented: documented.has(String(res.status)),
          problem: res.status < 400 || /^application\/problem\+json/.test(String(res.headers['content-type'])),
        });
      }
    }
    // Methods the path does not support: 405, documented on each of its operations.
    for (const method of METHODS.filter((m) => !item[m])) {
      const res = await agent[method](path.replace(/\{(\w+)\}/g, 'whk_2f0ChzJvrOOqchMhRmJieErz9Bl')).set(auth());
      calls++;
      const everywhere = declared.every((m) => String(res.status) in item[m].responses);
      observed.push({ op: `${method.toUpperCase()} ${path} (undeclared)`, status: res.status, documented: everywhere, problem: /problem\+json/.test(String(res.headers['content-type'])) });
    }
  }

  const statuses = [...new Set(observed.map((o) => o.status))].sort();
  console.log(`fuzz: ${calls} calls over ${Object.keys(doc.paths).length} paths; statuses seen: ${statuses.join(', ')}`);
  expect(observed.filter((o) => !o.documented)).toEqual([]);
  expect(observed.filter((o) => !o.problem)).toEqual([]);
  expect(observed.filter((o) => o.status >= 500)).toEqual([]);
  // The run reaches the statuses it is meant to provoke.
  for (const s of [200, 201, 204, 400, 401, 403, 404, 405, 409, 412, 413, 415, 422]) expect(statuses).toContain(s);
});
