/**
 * `terraform apply` while the control plane's database is briefly down (DATABASE_URL pointing at a cluster this
 * test stops and starts): the API answers 503 with Retry-After, the provider waits and retries, and the apply
 * succeeds once the database is back — every resource created exactly once, and a clean plan after.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { connectDatabase } from '../../api/db/client';
import { migrate } from '../../api/db/migrate';
import { OutsidePostgres } from '../support/outside-postgres';
import { startTestService, type TestService } from '../support/service';
import { waitUntil } from '../delivery/harness';
import { api, buildMirror, Workspace } from './harness';

const COUNT = 10;

describe('terraform apply during a short database outage', () => {
  let pg: OutsidePostgres;
  let service: TestService;
  let ws: Workspace;

  beforeAll(async () => {
    pg = await new OutsidePostgres().start();
    // Migrated first over a pool with the default connect timeout: on a loaded machine the first connections to a
    // fresh server can take longer than the short timeout the service is given here to notice the outage.
    const setup = connectDatabase(pg.url, 1);
    await migrate(setup.pool, pino({ level: 'silent' }));
    await setup.close();
    let mirror: string;
    [service, mirror] = await Promise.all([startTestService({ databaseUrl: pg.url, env: { CF_DB_CONNECT_TIMEOUT_MS: '1000' } }), buildMirror()]);
    ws = new Workspace(mirror, { CF_API_URL: service.baseUrl, CF_API_KEY: service.apiKey });
    ws.write(`
resource "commonfate_webhook_integration" "many" {
  count = ${COUNT}
  name  = "outage-\${count.index}"
  url   = "https://hooks.example.com/\${count.index}"
}
`);
    await ws.init();
  });

  afterAll(async () => {
    ws?.remove();
    await service?.stop();
    await pg?.stop();
  });

  test('the provider retries the 503s and the apply succeeds after the database is back', async () => {
    const logFile = join(ws.dir, 'terraform.log');
    await pg.down();
    const apply = ws.run(['apply', '-auto-approve', '-no-color', '-parallelism=5'], { TF_LOG_PROVIDER: 'WARN', TF_LOG_PATH: logFile });
    // The outage lasts until the provider has been told to come back later, and is retrying.
    await waitUntil(async () => existsSync(logFile) && readFileSync(logFile, 'utf8').includes('the API is temporarily unavailable; retrying'), 60_000, 'the provider retrying');
    const retryLine = readFileSync(logFile, 'utf8').split('\n').find((l) => l.includes('the API is temporarily unavailable; retrying'))!;
    expect(retryLine).toMatch(/method="POST" path="\/v1\/webhook-integrations" status=503/);
    await pg.up();

    const result = await apply;
    if (result.code !== 0) throw new Error(`apply failed:\n${result.stdout}\n${result.stderr}`);
    expect(result.stdout).toContain(`Apply complete! Resources: ${COUNT} added, 0 changed, 0 destroyed.`);

    const stored = await api(service.baseUrl, service.apiKey).listAll();
    expect(stored.map((i) => i.name).sort()).toEqual(Array.from({ length: COUNT }, (_x, i) => `outage-${i}`).sort());
    const state = await ws.stateValues();
    expect(new Set(Object.values(state).map((v) => v.id))).toEqual(new Set(stored.map((i) => i.id)));
    await ws.ok(['plan', '-detailed-exitcode'], 0);
  });
});
