/**
 * No secret in the service's own output: the real process (`npm start`'s entry point) at LOG_LEVEL trace, used
 * the way that puts secrets closest to a log line — integrations created and refused, a destination that echoes
 * every request back in a 500, retries, test events, a signing-secret read and rotation, a value no key opens —
 * and then everything it wrote is searched for each secret.
 */
import { Pool } from 'pg';
import { generateKey, Keyring } from '../../api/secrets/keyring';
import { headersContext } from '../../api/webhook-integrations/secrets';
import { Receiver } from '../delivery/harness';
import { createTestDatabase } from '../support/database';
import { startServiceProcess, type ServiceProcess } from '../support/service';

describe('logs and errors hold no secret', () => {
  let svc: ServiceProcess;
  let pool: Pool;
  let echo: Receiver;

  beforeAll(async () => {
    const databaseUrl = await createTestDatabase();
    pool = new Pool({ connectionString: databaseUrl, max: 1 });
    // Answers 500 with the request's headers: the worker logs failures, retries and circuit changes.
    echo = await new Receiver((r, res) => res.writeHead(500).end(JSON.stringify(r.headers))).start();
    svc = await startServiceProcess({
      env: {
        DATABASE_URL: databaseUrl,
        LOG_LEVEL: 'trace',
        CF_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.0/8',
        CF_WEBHOOK_RETRY_SCHEDULE: '0.1,0.1',
      },
    });
  });
  afterAll(async () => {
    await svc?.kill();
    await echo?.stop();
    await pool?.end();
  });

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${svc.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${svc.apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, text, body: text ? JSON.parse(text) : undefined };
  };

  test('header values, signing secrets, refused values and ciphertext never reach the output or a problem', async () => {
    const value = `Bearer log-probe-${generateKey()}`;
    const refused = `refused-${generateKey()}`;
    const integration = (headers: unknown) => ({ name: 'echo', url: echo.url, send_audit_log_events: true, headers });

    const created = await api('POST', '/v1/webhook-integrations', integration([{ key: 'Authorization', value }]));
    expect(created.status).toBe(201);
    const { id } = created.body;
    const secrets = [value, (await api('GET', `/v1/webhook-integrations/${id}/secret`)).body.secret as string];

    // Refused values: the problem names the path and the rule, never the value.
    const bad = await api('POST', '/v1/webhook-integrations', integration([{ key: 'X-Bad', value: `${refused}\r\nX-Injected: 1` }]));
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('headers[0].value');
    const long = await api('PATCH', `/v1/webhook-integrations/${id}`, { headers: [{ key: 'X-Long', value: refused.repeat(200) }] });
    expect(long.status).toBe(400);
    for (const res of [bad, long]) expect(res.text).not.toContain(refused);

    // Deliveries to the echoing destination: attempts, retries, exhaustion, the circuit.
    const access = await api('POST', '/v1/access-requests', {
      entitlement: {
        target: { type: 'AWS::Account', id: '450666865322' },
        role: { type: 'AWS::IDC::PermissionSet', id: 'arn:aws:sso:::permissionSet/ssoins-825968feece9a0b6/ps-04543749a2b53328' },
      },
      justification: 'log probe',
      duration_seconds: 3600,
    });
    expect(access.status).toBe(201);
    await echo.waitFor((all) => all.length >= 3);
    expect(echo.received[0].headers.authorization).toBe(value);
    const tested = await api('POST', `/v1/webhook-integrations/${id}/test`);
    expect(tested.body.delivered).toBe(false);
    expect(tested.text).not.toContain(value);

    const rotated = await api('POST', `/v1/webhook-integrations/${id}/secret/rotate`);
    expect(rotated.status).toBe(200);
    secrets.push(rotated.body.secret);

    // A value sealed under a key the service lacks: a 500 naming the key, logged, without the ciphertext.
    const other = (await api('POST', '/v1/webhook-integrations', integration([]))).body.id as string;
    const foreign = new Keyring([Buffer.from(generateKey(), 'base64')]);
    const sealed = foreign.seal('Bearer elsewhere', headersContext(other));
    await pool.query(`UPDATE webhook_integrations SET headers = jsonb_build_array(jsonb_build_object('key', 'Authorization', 'sealed', $2::text)), version = version + 1 WHERE id = $1`, [
      other,
      sealed,
    ]);
    const unreadable = await api('GET', `/v1/webhook-integrations/${other}`);
    expect(unreadable.status).toBe(500);
    expect(unreadable.text).toContain(foreign.primaryId);
    const ciphertext = sealed.split(':')[2];
    expect(unreadable.text).not.toContain(ciphertext);

    await new Promise((r) => setTimeout(r, 500)); // the last results and log lines written
    const output = svc.output();
    expect(output).toContain(foreign.primaryId); // the failure was logged
    for (const s of [...secrets, ...secrets.map((x) => x.replace(/^whsec_/, '')), refused, ciphertext, 'Bearer elsewhere']) {
      expect(output).not.toContain(s);
    }
  });
});
