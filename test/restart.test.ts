import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { startServiceProcess, type ServiceProcess } from './support/service';

/**
 * `npm start` without DATABASE_URL: the embedded database keeps its data across restarts, a graceful stop exits
 * cleanly, and a database left running by a SIGKILLed service does not stop the next start.
 */
describe('embedded database across restarts', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cf-restart-'));
  const apiKey = 'restart-test-admin-key-0123456789';
  let current: ServiceProcess | undefined;
  const start = async () => (current = await startServiceProcess({ apiKey, env: { CF_DATA_DIR: dataDir } }));
  const auth = { Authorization: `Bearer ${apiKey}` };

  afterAll(async () => {
    await current?.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('data survives a graceful restart and a kill -9', async () => {
    let svc = await start();
    const created = await request(svc.baseUrl)
      .post('/v1/webhook-integrations')
      .set(auth)
      .send({ name: 'survivor', url: 'https://example.com/hook', headers: [{ key: 'X-Token', value: 'restart-secret' }] });
    expect(created.status).toBe(201);

    expect(await svc.kill('SIGTERM')).toBe(0);
    expect(svc.output()).toMatch(/"msg":"stopped"/);
    expect(svc.output()).not.toContain('restart-secret');
    expect(svc.output()).not.toContain(apiKey);

    svc = await start();
    const afterGraceful = await request(svc.baseUrl).get(`/v1/webhook-integrations/${created.body.id}`).set(auth);
    expect(afterGraceful.status).toBe(200);
    expect(afterGraceful.body.headers).toEqual([{ key: 'X-Token', value: 'restart-secret' }]);

    // SIGKILL leaves the embedded Postgres running with its postmaster.pid: the next start must cope.
    await svc.kill('SIGKILL');
    svc = await start();
    expect(svc.output()).toMatch(/left running by a previous process/);
    const afterKill = await request(svc.baseUrl).get(`/v1/webhook-integrations/${created.body.id}`).set(auth);
    expect(afterKill.status).toBe(200);
    expect(afterKill.body.name).toBe('survivor');
  });

  test('a graceful stop lets an in-flight request finish', async () => {
    const svc = current ?? (await start());
    const inFlight = request(svc.baseUrl).get('/v1/webhook-integrations').set(auth);
    const pending = inFlight.then((r) => r.status);
    await new Promise((r) => setTimeout(r, 5));
    const exit = svc.kill('SIGTERM');
    expect(await pending).toBe(200);
    expect(await exit).toBe(0);
    current = undefined;
  });
});
