/**
 * A dump of every table holds no header value and no signing secret: not those written through the API (create,
 * replace, idempotent create, secret rotation, test events, deliveries), and not those stored in plain text
 * before encryption existed, which the service seals when it starts.
 */
import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { newId } from '../../api/ids';
import { newSigningSecret } from '../../api/webhook-integrations/secrets';
import { createTestDatabase } from '../support/database';
import { client, validIntegration } from '../support/http';
import { startTestService, type TestService } from '../support/service';
import { dumpEveryTable, encodings } from './dump';

const secret = (label: string) => `${label}-${randomBytes(9).toString('base64url')}`;

describe('a dump of every table', () => {
  let databaseUrl: string;
  let pool: Pool;
  let service: TestService;
  /** Every secret that went into the database, by where it came from. */
  const secrets: Record<string, string> = {};
  const legacyId = newId('webhookIntegration');

  function expectNoSecret(text: string) {
    for (const [where, value] of Object.entries(secrets)) {
      for (const form of encodings(value)) {
        if (text.includes(form)) throw new Error(`the dump contains the ${where} (as ${form === value ? 'written' : 'encoded'})`);
      }
    }
  }

  beforeAll(async () => {
    databaseUrl = await createTestDatabase();
    pool = new Pool({ connectionString: databaseUrl, max: 2 });
  });

  afterAll(async () => {
    await service?.stop();
    await pool?.end();
  });

  test('rows stored in plain text before encryption are in the dump until the service starts and seals them', async () => {
    secrets['legacy header value'] = secret('legacy-header');
    secrets['legacy signing secret'] = newSigningSecret();
    secrets['legacy previous signing secret'] = newSigningSecret();
    secrets['legacy stored response'] = secret('legacy-response');
    await pool.query(
      `INSERT INTO webhook_integrations (id, name, url, headers, signing_secret, previous_signing_secret, previous_secret_expires_at)
       VALUES ($1, 'legacy', 'https://legacy.example.com/h', $2::jsonb, $3, $4, now() + interval '1 hour')`,
      [legacyId, JSON.stringify([{ key: 'Authorization', value: secrets['legacy header value'] }]), secrets['legacy signing secret'], secrets['legacy previous signing secret']],
    );
    await pool.query(
      `INSERT INTO idempotency_keys (principal, key, fingerprint, status_code, body, expires_at)
       VALUES ('CF::Service::"key_legacy"', 'legacy-key', 'f', 201, $1, now() + interval '1 hour')`,
      [JSON.stringify({ headers: [{ key: 'Authorization', value: secrets['legacy stored response'] }] })],
    );
    // The check can fail: before the service has run, the dump holds them.
    const before = await dumpEveryTable(pool);
    expect(() => expectNoSecret(before.text)).toThrow(/the dump contains the legacy/);

    service = await startTestService({ databaseUrl });
    expect(await service.sealed).toEqual({ 'webhook integrations': 1, 'stored idempotent responses': 1 });
    const http = client(service);
    const legacy = await http.agent.get(`/v1/webhook-integrations/${legacyId}`).set(http.auth());
    expect(legacy.body.headers).toEqual([{ key: 'Authorization', value: secrets['legacy header value'] }]);
    const legacySecret = await http.agent.get(`/v1/webhook-integrations/${legacyId}/secret`).set(http.auth());
    expect(legacySecret.body.secret).toBe(secrets['legacy signing secret']);
    expectNoSecret((await dumpEveryTable(pool)).text);
  });

  test('after integrations are created, replaced, created with an Idempotency-Key and rotated, and events are queued for delivery, no secret is in any table', async () => {
    const http = client(service);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      secrets[`header value ${i}`] = secret(`header-${i}`);
      const res = await http.agent
        .post('/v1/webhook-integrations')
        .set(http.auth())
        .set(i === 0 ? { 'Idempotency-Key': `dump-${i}` } : {})
        .send(validIntegration({ url: 'https://hooks.invalid/dump', headers: [{ key: 'Authorization', value: secrets[`header value ${i}`] }, { key: 'X-Plain', value: 'not-secret' }] }));
      expect(res.status).toBe(201);
      ids.push(res.body.id);
      const sec = await http.agent.get(`/v1/webhook-integrations/${res.body.id}/secret`).set(http.auth());
      secrets[`signing secret ${i}`] = sec.body.secret;
    }
    secrets['replaced header value'] = secret('replaced');
    expect((await http.agent.patch(`/v1/webhook-integrations/${ids[1]}`).set(http.auth()).send({ headers: [{ key: 'X-New', value: secrets['replaced header value'] }] })).status).toBe(200);
    const rotated = await http.agent.post(`/v1/webhook-integrations/${ids[2]}/secret/rotate`).set(http.auth()).set('Idempotency-Key', 'dump-rotate');
    expect(rotated.status).toBe(200);
    secrets['rotated signing secret'] = rotated.body.secret;
    // Audit events fan out to the integrations: deliveries and their attempts are in the dump too.
    const requested = await http.agent
      .post('/v1/access-requests')
      .set(http.auth())
      .send({ entitlement: { target: { type: 'AWS::Account', id: '1' }, role: { type: 'AWS::IDC::PermissionSet', id: 'r' } }, justification: 'dump', duration_seconds: 600 });
    expect(requested.status).toBe(201);

    const dump = await dumpEveryTable(pool);
    expect(dump.tables).toEqual(
      expect.arrayContaining(['public.webhook_integrations', 'public.idempotency_keys', 'public.deliveries', 'public.audit_events', 'public.authorization_evaluations']),
    );
    // The rows are there (so the check below looks at them): ids and header names are not secret.
    for (const id of [...ids, legacyId]) expect(dump.text).toContain(id);
    expect(dump.text).toContain('Authorization');
    expect(dump.text).toMatch(/v1:[0-9a-f]{16}:/);
    expectNoSecret(dump.text);
  });
});
