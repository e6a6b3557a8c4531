import type { Express } from 'express';
import pino from 'pino';
import request from 'supertest';
import { Authenticator } from '../auth/authenticate';
import { Authorizer } from '../authz/authorizer';
import { EvaluationRecorder } from '../authorization-evaluations/recorder';
import { ServiceMetrics } from '../delivery/metrics';
import { OutboundClient } from '../delivery/outbound';
import { SsrfPolicy } from '../delivery/ssrf';
import { connectDatabase, type Database } from '../db/client';
import { createApp } from '../http/app';
import { generateKey, Keyring } from '../secrets/keyring';
import { createTestDatabase } from '../../test/support/database';
import { validateOpenApi } from '../../test/support/openapi';

/** The app's own route table against its own /openapi.json: neither may hold an operation the other lacks. */
let db: Database;
let app: Express;
let outbound: OutboundClient;

beforeAll(async () => {
  db = connectDatabase(await createTestDatabase(), 2);
  const log = pino({ level: 'silent' });
  outbound = new OutboundClient({ policy: new SsrfPolicy([]), timeoutMs: 1000, connectionsPerDestination: 1 });
  app = createApp({
    log,
    pool: db.pool,
    security: { authenticator: new Authenticator({ pool: db.pool, oidcIssuers: [] }), authorizer: new Authorizer(), recorder: new EvaluationRecorder(db.pool, log) },
    urlPolicy: { allowHttp: false },
    version: '0.0.0-test',
    metrics: new ServiceMetrics(db.pool),
    outbound,
    keyring: new Keyring([Buffer.from(generateKey(), 'base64')]),
    ready: async () => ({ ok: true, detail: 'test' }),
  });
});

afterAll(async () => {
  await outbound?.close();
  await db?.close();
});

/** `METHOD /path/{param}` for every method of every route in Express's table (405 catch-alls left out). */
function mountedOperations(): string[] {
  const stack = (app as unknown as { router: { stack: Array<{ route?: { path: string; methods: Record<string, boolean> } }> } }).router.stack;
  return stack
    .filter((layer) => layer.route)
    .flatMap(({ route }) =>
      Object.keys(route!.methods)
        .filter((m) => m !== '_all')
        .map((m) => `${m.toUpperCase()} ${route!.path.replace(/:([A-Za-z_]+)/g, '{$1}')}`),
    )
    .sort();
}

test('every mounted route is in /openapi.json, and every documented operation is mounted', async () => {
  const doc = (await request(app).get('/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
  const documented = Object.entries(doc.paths)
    .flatMap(([path, item]) => Object.keys(item).filter((k) => k !== 'parameters').map((m) => `${m.toUpperCase()} ${path}`))
    .sort();
  const mounted = mountedOperations();
  expect(mounted.length).toBeGreaterThan(20);
  expect(documented).toEqual(mounted);
});

test('/openapi.json validates as OpenAPI 3.1 (the official schema, every $ref resolved)', async () => {
  const doc = (await request(app).get('/openapi.json')).body;
  expect(doc.openapi).toBe('3.1.0');
  const result = await validateOpenApi(doc);
  expect(result.errors).toBeUndefined();
  expect(result).toMatchObject({ valid: true, version: '3.1' });
});
