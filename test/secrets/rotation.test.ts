/**
 * Keys as an operator meets them: `npm run cli -- secrets rotate` re-encrypting everything under a new key while
 * the service runs and is being used, then the old key removed; a wrong or missing key stopping `npm start` with
 * a message that says what to do; the key generated for an embedded database.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { generateKey, keyIdOf } from '../../api/secrets/keyring';
import { GENERATED_KEY_FILE } from '../../api/secrets/keys';
import { SEALED_TABLES } from '../../api/secrets/tables';
import { createTestDatabase } from '../support/database';
import { client, validIntegration } from '../support/http';
import { startServiceProcess, startTestService, type TestService } from '../support/service';

const ROOT = resolve(__dirname, '../..');
const idOf = (key: string) => keyIdOf(Buffer.from(key, 'base64'));

/**
 * `npm run cli -- <args>` as a child process; resolves with its exit code, its output, and when (performance.now())
 * each progress line (`…: n re-encrypted`) arrived.
 */
function cli(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string; progressAt: number[] }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', resolve(ROOT, 'api/cli.ts'), ...args], {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const progressAt: number[] = [];
    child.stdout.on('data', (c: Buffer) => {
      const text = c.toString();
      for (const _ of text.matchAll(/ re-encrypted\n/g)) progressAt.push(performance.now());
      out += text;
    });
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, out, progressAt }));
  });
}

/** A loopback destination that records what each test event carried, and verifies its signature. */
async function startReceiver() {
  const received: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c)).on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received, server };
}

describe('key rotation while the service runs', () => {
  const oldKey = generateKey();
  const newKey = generateKey();
  let databaseUrl: string;
  let before: TestService;
  let during: TestService | undefined;
  let after: TestService | undefined;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    databaseUrl = await createTestDatabase();
    receiver = await startReceiver();
  });

  afterAll(async () => {
    await Promise.all([before?.stop(), during?.stop(), after?.stop()]);
    await new Promise((r) => receiver?.server.close(r));
  });

  test('rotate re-encrypts every value under the new key without a pause, then the old key can go', async () => {
    const env = (keys: string) => ({ CF_ENCRYPTION_KEYS: keys, CF_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.0/8' });
    before = await startTestService({ databaseUrl, env: env(oldKey) });
    const http = client(before);
    // What each integration should hold; the traffic below keeps it current.
    const expected = new Map<string, string>();
    const create = async (i: number) => {
      const value = `Bearer old-${i}-${randomBytes(6).toString('hex')}`;
      const res = await http.agent.post('/v1/webhook-integrations').set(http.auth()).send(validIntegration({ url: receiver.url, headers: [{ key: 'Authorization', value }] }));
      expect(res.status).toBe(201);
      expected.set(res.body.id, value);
      if (i % 4 === 0) expect((await http.agent.post(`/v1/webhook-integrations/${res.body.id}/secret/rotate`).set(http.auth())).status).toBe(200);
    };
    for (let i = 0; i < 200; i += 10) await Promise.all(Array.from({ length: 10 }, (_, j) => create(i + j)));

    // Step 1 of the procedure: the new key first, the old one after it, then the old instance goes.
    during = await startTestService({ databaseUrl, env: env(`${newKey},${oldKey}`) });
    await before.stop();
    const live = client(during);

    // Traffic through the rotation: each round updates a header, reads it back and sends a signed test event.
    let stop = false;
    const roundsAt: number[] = [];
    const failures: string[] = [];
    const ids = [...expected.keys()];
    const traffic = (async () => {
      for (let n = 0; !stop; n++) {
        const id = ids[n % ids.length];
        if (n % 3 === 0) {
          const value = `Bearer new-${n}-${randomBytes(6).toString('hex')}`;
          const patched = await live.agent.patch(`/v1/webhook-integrations/${id}`).set(live.auth()).send({ headers: [{ key: 'Authorization', value }] });
          if (patched.status !== 200) failures.push(`PATCH ${patched.status}`);
          else expected.set(id, value);
        }
        const got = await live.agent.get(`/v1/webhook-integrations/${id}`).set(live.auth());
        if (got.status !== 200 || got.body.headers[0].value !== expected.get(id)) failures.push(`GET ${got.status} ${JSON.stringify(got.body.headers)}`);
        const sent = await live.agent.post(`/v1/webhook-integrations/${id}/test`).set(live.auth());
        const last = receiver.received.at(-1);
        if (!last || sent.status !== 200 || !sent.body.delivered || last.headers.authorization !== expected.get(id)) failures.push(`test event ${sent.status}`);
        else {
          const secret = await live.agent.get(`/v1/webhook-integrations/${id}/secret`).set(live.auth());
          try {
            new Webhook(secret.body.secret).verify(last.body, last.headers as Record<string, string>);
          } catch (err) {
            failures.push(`signature: ${(err as Error).message}`);
          }
        }
        roundsAt.push(performance.now());
      }
    })();

    const rotated = await cli(['secrets', 'rotate', '--batch-size', '5'], { DATABASE_URL: databaseUrl, CF_ENCRYPTION_KEYS: `${newKey},${oldKey}` });
    stop = true;
    await traffic;
    expect(rotated.out).toContain(`Done: every stored secret is encrypted under ${idOf(newKey)}`);
    expect(rotated.code).toBe(0);
    expect(rotated.out).not.toMatch(/Bearer (old|new)-/);
    // In batches, with requests answered between the first batch and the last: the service never paused.
    expect(rotated.progressAt.length).toBeGreaterThan(10);
    const [first, last] = [rotated.progressAt[0], rotated.progressAt.at(-1)!];
    expect(roundsAt.filter((t) => t > first && t < last).length).toBeGreaterThan(0);
    expect(failures).toEqual([]);

    // Every value under the new key: none under the old one, none in plain text.
    const integrations = await SEALED_TABLES[0].census(during.db.pool);
    expect(Object.keys(integrations)).toEqual([idOf(newKey)]);
    for (const table of SEALED_TABLES) for (const kid of Object.keys(await table.census(during.db.pool))) expect(kid).toBe(idOf(newKey));
    const status = await cli(['secrets', 'status'], { DATABASE_URL: databaseUrl, CF_ENCRYPTION_KEYS: `${newKey},${oldKey}` });
    expect(status.out).toContain(`key ${idOf(newKey)} (encrypts new values)`);
    expect(status.out).toMatch(new RegExp(`webhook integrations: \\d+ under ${idOf(newKey)}\\n`));

    // Step 3: the old key removed. Everything still reads.
    await during.stop();
    during = undefined;
    after = await startTestService({ databaseUrl, env: env(newKey) });
    const now = client(after);
    for (const [id, value] of expected) {
      const got = await now.agent.get(`/v1/webhook-integrations/${id}`).set(now.auth());
      expect(got.body.headers[0].value).toBe(value);
    }
  });

  test('started with only the old key after the rotation, the service refuses to start and names the key it lacks', async () => {
    await after?.stop();
    after = undefined;
    await expect(startTestService({ databaseUrl, env: { CF_ENCRYPTION_KEYS: oldKey } })).rejects.toThrow(
      new RegExp(`encrypted with key ${idOf(newKey)}, which is not among the configured keys \\(${idOf(oldKey)}\\)`),
    );
  });
});

describe('npm start and its keys', () => {
  test('a wrong key: the process exits with status 2 and a message saying which key the data needs', async () => {
    const databaseUrl = await createTestDatabase();
    const key = generateKey();
    const first = await startServiceProcess({ env: { DATABASE_URL: databaseUrl, CF_ENCRYPTION_KEYS: key } });
    const created = await fetch(`${first.baseUrl}/v1/webhook-integrations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${first.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(validIntegration()),
    });
    expect(created.status).toBe(201);
    expect(await first.kill()).toBe(0);

    const wrong = generateKey();
    const start = startServiceProcess({ env: { DATABASE_URL: databaseUrl, CF_ENCRYPTION_KEYS: wrong } });
    await expect(start).rejects.toThrow(/service exited with 2 before listening/);
    const message = await start.catch((err: Error) => err.message);
    expect(message).toContain(`CF_ENCRYPTION_KEYS: stored header values and signing secrets are encrypted with key ${idOf(key)}`);
    expect(message).toContain('Start with the key they were encrypted with');
    expect(message).not.toContain(key);
    expect(message).not.toContain(wrong);
  });

  test('DATABASE_URL without a key: exit status 2 and how to make one', async () => {
    // '' is unset, as for every setting (the harness would otherwise give the test service a key).
    const start = startServiceProcess({ env: { DATABASE_URL: await createTestDatabase(), CF_ENCRYPTION_KEYS: '' } });
    const message = await start.then(
      () => 'started',
      (err: Error) => err.message,
    );
    expect(message).toMatch(/service exited with 2 before listening/);
    expect(message).toContain('CF_ENCRYPTION_KEYS: is required with DATABASE_URL: make one with `openssl rand -base64 32`');
  });

  test('the embedded database without a key: one is generated into CF_DATA_DIR once, and the log says so', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cf-keygen-'));
    try {
      let svc = await startServiceProcess({ env: { CF_DATA_DIR: dataDir } });
      expect(svc.output()).toContain('generated an encryption key for header values and signing secrets');
      expect(statSync(join(dataDir, GENERATED_KEY_FILE)).mode & 0o777).toBe(0o600);
      const created = await fetch(`${svc.baseUrl}/v1/webhook-integrations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${svc.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(validIntegration({ headers: [{ key: 'X-Token', value: 'kept-across-restarts' }] })),
      });
      expect(created.status).toBe(201);
      const { id } = (await created.json()) as { id: string };
      expect(await svc.kill()).toBe(0);

      svc = await startServiceProcess({ env: { CF_DATA_DIR: dataDir }, apiKey: svc.apiKey });
      expect(svc.output()).not.toContain('generated an encryption key');
      const got = await fetch(`${svc.baseUrl}/v1/webhook-integrations/${id}`, { headers: { authorization: `Bearer ${svc.apiKey}` } });
      expect(((await got.json()) as { headers: unknown }).headers).toEqual([{ key: 'X-Token', value: 'kept-across-restarts' }]);
      expect(await svc.kill()).toBe(0);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
