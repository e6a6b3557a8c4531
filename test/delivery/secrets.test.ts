import { generateKey, Keyring } from '../../api/secrets/keyring';
import { headersContext } from '../../api/webhook-integrations/secrets';
import { createIntegration, receiverSet, requestAccess, startDeliveryService, waitUntil, type DeliveryTestService } from './harness';

/**
 * Sealed secrets on the worker's path: header values and signing secrets are opened for each delivery (and the
 * opened target follows every change), an echoing receiver's answer is stored scrubbed, and a value that does not
 * open sends nothing.
 */
describe('delivery with sealed secrets', () => {
  let svc: DeliveryTestService;
  const receivers = receiverSet();
  const receiver = receivers.start;

  beforeAll(async () => {
    svc = await startDeliveryService();
  });
  afterAll(async () => {
    await svc.stop();
    await receivers.stopAll();
  });

  const deliveries = (id: string) =>
    svc.api('GET', `/v1/webhook-integrations/${id}/deliveries`).then((r) => r.body.items as Array<{ id: string; status: string }>);
  const detail = (iid: string, did: string) => svc.api('GET', `/v1/webhook-integrations/${iid}/deliveries/${did}`).then((r) => r.body);
  const storedHeaders = async (id: string) =>
    (await svc.service.db.pool.query<{ headers: unknown }>('SELECT headers FROM webhook_integrations WHERE id = $1', [id])).rows[0].headers;

  test('values stored sealed reach the receiver in clear text; a new value and a rotated secret apply to the next delivery', async () => {
    const first = `Bearer first-${generateKey()}`;
    const r = await receiver();
    const { id } = await createIntegration(svc, r, { headers: [{ key: 'Authorization', value: first }] });
    expect(JSON.stringify(await storedHeaders(id))).not.toContain(first);

    await requestAccess(svc);
    const [one] = await r.waitFor((all) => all.length >= 1);
    expect(one.headers.authorization).toBe(first);
    expect(one.verified).toBe(true);

    // The worker holds the opened target by version: a change of the value must reach the next delivery.
    const second = `Bearer second-${generateKey()}`;
    const patched = await svc.api('PATCH', `/v1/webhook-integrations/${id}`, { headers: [{ key: 'Authorization', value: second }] });
    expect(patched.status).toBe(200);
    // A rotation changes the sealed secret without bumping the version: the next delivery signs with the new one.
    const rotated = await svc.api('POST', `/v1/webhook-integrations/${id}/secret/rotate`);
    expect(rotated.status).toBe(200);
    r.secrets.splice(0, r.secrets.length, rotated.body.secret);

    await requestAccess(svc);
    const all = await r.waitFor((got) => got.some((x) => x.headers.authorization === second));
    const latest = all.find((x) => x.headers.authorization === second)!;
    expect(latest.verified).toBe(true);
    expect(String(latest.headers['webhook-signature']).split(' ')).toHaveLength(2); // the new secret and the previous one
  });

  test("a receiver that echoes its request: the stored response excerpt holds neither the header value nor the secret", async () => {
    const value = `token-${generateKey()}`;
    const r = await receiver((req, res) => res.writeHead(500).end(`got ${req.headers['x-api-key']} and ${JSON.stringify(req.headers)}`));
    const { id, secret } = await createIntegration(svc, r, { headers: [{ key: 'X-Api-Key', value }] });
    await requestAccess(svc);
    await r.waitFor((all) => all.length >= 1);
    const [d] = await waitUntil(async () => {
      const list = await deliveries(id);
      return list.length === 1 && list;
    });
    const full = await waitUntil(async () => {
      const got = await detail(id, d.id);
      return got.attempts.length >= 1 && got;
    });
    const excerpt: string = full.attempts[0].response_excerpt;
    expect(excerpt).toContain('got [redacted]');
    expect(excerpt).not.toContain(value);
    expect(excerpt).not.toContain(secret.replace(/^whsec_/, ''));
  });

  test('a header sealed under a key the service does not hold: nothing is sent, each attempt says which key, and a new value delivers it', async () => {
    const r = await receiver();
    const { id } = await createIntegration(svc, r, { headers: [{ key: 'Authorization', value: 'Bearer placeholder' }] });
    const foreign = new Keyring([Buffer.from(generateKey(), 'base64')]);
    const sealed = foreign.seal('Bearer from-another-deployment', headersContext(id));
    await svc.service.db.pool.query(
      `UPDATE webhook_integrations SET headers = jsonb_build_array(jsonb_build_object('key', 'Authorization', 'sealed', $2::text)), version = version + 1 WHERE id = $1`,
      [id, sealed],
    );

    await requestAccess(svc);
    // The harness retries at 0.2 s and 0.4 s: three attempts, then the delivery fails and the integration says why.
    const [d] = await waitUntil(async () => {
      const list = await deliveries(id);
      return list.length === 1 && list[0].status === 'FAILED' && list;
    });
    const full = await detail(id, d.id);
    expect(full.attempts).toHaveLength(3);
    for (const a of full.attempts) {
      expect(a.status_code).toBeNull();
      expect(a.error).toContain(`key ${foreign.primaryId}`);
      expect(a.error).toContain('CF_ENCRYPTION_KEYS');
      expect(a.error).not.toContain(sealed.split(':')[2]);
    }
    expect(r.received).toHaveLength(0);
    // An admin's read would show the value, so it fails, saying why; a read-only one needs no key and shows the health.
    const adminRead = await svc.api('GET', `/v1/webhook-integrations/${id}`);
    expect(adminRead.status).toBe(500);
    expect(adminRead.body.detail).toContain(foreign.primaryId);
    expect(JSON.stringify(adminRead.body)).not.toContain(sealed.split(':')[2]);
    const integration = (await svc.api('GET', `/v1/webhook-integrations/${id}`, undefined, svc.readOnlyApiKey)).body;
    expect(integration.headers).toEqual([{ key: 'Authorization', redacted: true }]);
    expect(integration.status).toBe('UNHEALTHY');
    expect(integration.last_error).toContain(foreign.primaryId);

    // The event is not lost: once the value is given again, a retry delivers it.
    const fixed = await svc.api('PATCH', `/v1/webhook-integrations/${id}`, { headers: [{ key: 'Authorization', value: 'Bearer restored' }] });
    expect(fixed.status).toBe(200);
    expect((await svc.api('POST', `/v1/webhook-integrations/${id}/deliveries/${d.id}/retry`)).status).toBeLessThan(300);
    const [got] = await r.waitFor((all) => all.length >= 1);
    expect(got.headers.authorization).toBe('Bearer restored');
    expect(got.verified).toBe(true);
  });
});
