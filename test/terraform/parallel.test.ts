/**
 * Many resources applied concurrently: Terraform sends up to -parallelism requests at once through one
 * provider process; every integration must be created exactly once, plan clean, and destroy fully.
 */
import { startTestService, type TestService } from '../support/service';
import { api, buildMirror, Workspace } from './harness';

const COUNT = 50;

describe('50 integrations with -parallelism=10', () => {
  let service: TestService;
  let ws: Workspace;

  beforeAll(async () => {
    const [s, mirror] = await Promise.all([startTestService(), buildMirror()]);
    service = s;
    ws = new Workspace(mirror, { CF_API_URL: service.baseUrl, CF_API_KEY: service.apiKey });
    ws.write(`
resource "commonfate_webhook_integration" "many" {
  count                 = ${COUNT}
  name                  = "hook-\${count.index}"
  url                   = "https://hooks.example.com/\${count.index}"
  send_audit_log_events = count.index % 2 == 0
  headers               = [{ key = "X-Index", value = "secret-\${count.index}" }]
}
`);
    await ws.init();
  });

  afterAll(async () => {
    ws?.remove();
    await service?.stop();
  });

  test('apply, no-op plan and destroy', async () => {
    const client = api(service.baseUrl, service.apiKey);
    const apply = await ws.ok(['apply', '-auto-approve', '-parallelism=10']);
    expect(apply.stdout).toContain(`Apply complete! Resources: ${COUNT} added, 0 changed, 0 destroyed.`);

    const stored = await client.listAll();
    expect(stored).toHaveLength(COUNT);
    expect(new Set(stored.map((i) => i.name)).size).toBe(COUNT);
    const state = await ws.stateValues();
    const stateIds = Object.values(state).map((v) => v.id);
    expect(new Set(stateIds)).toEqual(new Set(stored.map((i) => i.id)));
    const seven = stored.find((i) => i.name === 'hook-7')!;
    expect(seven).toMatchObject({ url: 'https://hooks.example.com/7', send_audit_log_events: false, headers: [{ key: 'X-Index', value: 'secret-7' }] });

    await ws.ok(['plan', '-detailed-exitcode', '-parallelism=10'], 0);

    const destroy = await ws.ok(['destroy', '-auto-approve', '-parallelism=10']);
    expect(destroy.stdout).toContain(`Destroy complete! Resources: ${COUNT} destroyed.`);
    expect(await client.listAll()).toEqual([]);
  });
});
