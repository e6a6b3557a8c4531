/**
 * Acceptance: the real terraform binary, the bundled provider from the filesystem mirror, the real API on
 * a real Postgres. Walks one integration through the lifecycle a user goes through: create, no-op plan,
 * import (CLI and import block), update in place, drift, deletion outside Terraform, destroy.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestService, type TestService } from '../support/service';
import { api, buildMirror, Workspace } from './harness';

const SECRET = 's3cret-header-value-7f3a';

function integrationConfig(o: { url: string; headers: string; extra?: string }): string {
  return `
resource "commonfate_webhook_integration" "hook" {
  name = "Audit sink"
  url  = "${o.url}"
  ${o.extra ?? ''}
  headers = ${o.headers}
}

output "id" {
  value = commonfate_webhook_integration.hook.id
}
`;
}

const initial = integrationConfig({
  url: 'http://127.0.0.1:9/hooks/one',
  headers: `[{ key = "Authorization", value = "${SECRET}" }, { key = "X-Team", value = "platform" }]`,
  extra: 'send_audit_log_events = true\n  filter_for_actions = ["grant.requested", "grant.approved"]',
});

describe('commonfate_webhook_integration lifecycle', () => {
  let service: TestService;
  let mirror: string;
  let ws: Workspace;
  let client: ReturnType<typeof api>;
  let id: string;
  const workspaces: Workspace[] = [];

  const workspace = () => {
    // Credentials through the environment here; the provider block form is covered in validation tests.
    const w = new Workspace(mirror, { CF_API_URL: service.baseUrl, CF_API_KEY: service.apiKey });
    workspaces.push(w);
    return w;
  };

  beforeAll(async () => {
    [service, mirror] = await Promise.all([startTestService(), buildMirror()]);
    client = api(service.baseUrl, service.apiKey);
    ws = workspace();
    ws.write(initial);
    await ws.init();
  });

  afterAll(async () => {
    for (const w of workspaces) w.remove();
    await service?.stop();
  });

  test('init through the filesystem mirror writes a lock file', () => {
    const lock = ws.read('.terraform.lock.hcl');
    expect(lock).toContain('provider "registry.terraform.io/common-fate/commonfate"');
    expect(lock).toMatch(/version\s+=\s+"0\.1\.0"/);
    expect(lock).toMatch(/"h1:[A-Za-z0-9+/=]+"/);
  });

  test('plan shows header values as (sensitive value), fills defaults, and leaves the id unknown', async () => {
    const { stdout } = await ws.ok(['plan']);
    expect(stdout).toMatch(/\+ value\s+= \(sensitive value\)/);
    expect(stdout).not.toContain(SECRET);
    expect(stdout).toMatch(/\+ send_authorization_events = false/);
    expect(stdout).toMatch(/\+ id\s+= \(known after apply\)/);
  });

  test('apply creates it and a second plan shows no changes', async () => {
    const { stdout } = await ws.ok(['apply', '-auto-approve']);
    expect(stdout).not.toContain(SECRET);
    id = (await ws.ok(['output', '-raw', 'id'])).stdout;
    expect(id).toMatch(/^whk_[0-9A-Za-z]{27}$/);

    const stored = await client.get(id);
    expect(stored.status).toBe(200);
    expect(stored.body).toMatchObject({
      name: 'Audit sink',
      url: 'http://127.0.0.1:9/hooks/one',
      send_audit_log_events: true,
      send_authorization_events: false,
      headers: [
        { key: 'Authorization', value: SECRET },
        { key: 'X-Team', value: 'platform' },
      ],
      filter_for_actions: ['grant.approved', 'grant.requested'],
    });

    await ws.ok(['plan', '-detailed-exitcode'], 0);
  });

  test('terraform import into an empty state gives the same state', async () => {
    const other = workspace();
    other.write(initial);
    await other.init();
    await other.ok(['import', 'commonfate_webhook_integration.hook', id]);
    expect(await other.stateValues()).toEqual(await ws.stateValues());
    await other.ok(['plan', '-detailed-exitcode'], 0);
  });

  test('an import block imports it too', async () => {
    const other = workspace();
    other.write(`${initial}
import {
  to = commonfate_webhook_integration.hook
  id = "${id}"
}
`);
    await other.init();
    const plan = await other.ok(['plan']);
    expect(plan.stdout).toContain('Plan: 1 to import, 0 to add, 0 to change, 0 to destroy.');
    await other.ok(['apply', '-auto-approve']);
    expect(await other.stateValues()).toEqual(await ws.stateValues());
  });

  test('importing an unknown id fails with a diagnostic', async () => {
    const other = workspace();
    other.write(initial);
    await other.init();
    const missing = 'whk_' + '0'.repeat(27);
    const res = await other.run(['import', '-no-color', 'commonfate_webhook_integration.hook', missing]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('Cannot import non-existent webhook integration');
    const bad = await other.run(['import', '-no-color', 'commonfate_webhook_integration.hook', 'not-an-id']);
    expect(bad.stderr).toContain('Invalid import ID');
  });

  test('changes to url, toggles, headers and filter update in place and keep the id', async () => {
    ws.write(
      integrationConfig({
        url: 'https://hooks.example.com/two',
        headers: `[{ key = "X-Team", value = "security" }, { key = "Authorization", value = "${SECRET}-rotated" }]`,
        extra: 'send_authorization_events = true\n  filter_for_actions = ["grant.revoked"]',
      }),
    );
    const plan = await ws.ok(['plan', '-detailed-exitcode'], 2);
    expect(plan.stdout).toContain('Plan: 0 to add, 1 to change, 0 to destroy.');
    expect(plan.stdout).toContain('~ update in-place');
    // The id is stable: no "(known after apply)" for it on update.
    expect(plan.stdout).not.toContain('known after apply');
    expect(plan.stdout).not.toContain(SECRET);

    await ws.ok(['apply', '-auto-approve']);
    expect((await ws.ok(['output', '-raw', 'id'])).stdout).toBe(id);
    const stored = await client.get(id);
    expect(stored.body).toMatchObject({
      url: 'https://hooks.example.com/two',
      send_audit_log_events: false, // removed from the configuration: back to the default
      send_authorization_events: true,
      headers: [
        { key: 'X-Team', value: 'security' },
        { key: 'Authorization', value: `${SECRET}-rotated` },
      ],
      filter_for_actions: ['grant.revoked'],
    });
    await ws.ok(['plan', '-detailed-exitcode'], 0);
  });

  test('removing headers and the filter clears them', async () => {
    ws.write(integrationConfig({ url: 'https://hooks.example.com/two', headers: 'null', extra: 'send_authorization_events = true' }));
    await ws.ok(['apply', '-auto-approve']);
    const stored = await client.get(id);
    expect(stored.body.headers).toEqual([]);
    expect(stored.body.filter_for_actions).toEqual([]);
    await ws.ok(['plan', '-detailed-exitcode'], 0);
  });

  test('plan detects a change made through the API and apply reverts it', async () => {
    ws.write(
      integrationConfig({
        url: 'https://hooks.example.com/two',
        headers: `[{ key = "Authorization", value = "${SECRET}" }]`,
        extra: 'send_authorization_events = true',
      }),
    );
    await ws.ok(['apply', '-auto-approve']);

    const patched = await client.patch(id, { url: 'https://elsewhere.example.com/x', headers: [], name: 'Renamed' });
    expect(patched.status).toBe(200);

    const plan = await ws.ok(['plan', '-detailed-exitcode'], 2);
    expect(plan.stdout).toContain('"https://elsewhere.example.com/x" -> "https://hooks.example.com/two"');
    expect(plan.stdout).toContain('"Renamed" -> "Audit sink"');
    expect(plan.stdout).toContain('Plan: 0 to add, 1 to change, 0 to destroy.');

    await ws.ok(['apply', '-auto-approve']);
    const stored = await client.get(id);
    expect(stored.body).toMatchObject({
      name: 'Audit sink',
      url: 'https://hooks.example.com/two',
      headers: [{ key: 'Authorization', value: SECRET }],
    });
    await ws.ok(['plan', '-detailed-exitcode'], 0);
  });

  test('pausing and resuming through the API plans no change (status is not configuration)', async () => {
    expect((await client.act(id, 'pause')).body.status).toBe('PAUSED');
    await ws.ok(['plan', '-detailed-exitcode'], 0);
    await ws.ok(['apply', '-auto-approve']);
    expect((await client.get(id)).body.status).toBe('PAUSED'); // an apply leaves the operator's pause alone
    expect((await client.act(id, 'resume')).body.status).toBe('HEALTHY');
    await ws.ok(['plan', '-detailed-exitcode'], 0);
  });

  test('plan re-creates an integration deleted through the API', async () => {
    expect((await client.delete(id)).status).toBe(204);
    const plan = await ws.ok(['plan', '-detailed-exitcode'], 2);
    expect(plan.stdout).toContain('has been deleted');
    expect(plan.stdout).toContain('Plan: 1 to add, 0 to change, 0 to destroy.');
    await ws.ok(['apply', '-auto-approve']);
    const newId = (await ws.ok(['output', '-raw', 'id'])).stdout;
    expect(newId).not.toBe(id);
    expect((await client.get(newId)).status).toBe(200);
    id = newId;
  });

  test('the data source reads it by id', async () => {
    const reader = workspace();
    reader.write(`
data "commonfate_webhook_integration" "found" {
  id = "${id}"
}
output "url" { value = data.commonfate_webhook_integration.found.url }
output "header_keys" { value = [for h in data.commonfate_webhook_integration.found.headers : h.key] }
output "authz" { value = data.commonfate_webhook_integration.found.send_authorization_events }
`);
    await reader.init();
    const { stdout } = await reader.ok(['apply', '-auto-approve']);
    expect(stdout).not.toContain(SECRET);
    const outputs = JSON.parse((await reader.ok(['output', '-json'])).stdout);
    expect(outputs.url.value).toBe('https://hooks.example.com/two');
    expect(outputs.header_keys.value).toEqual(['Authorization']);
    expect(outputs.authz.value).toBe(true);

    reader.write(`
data "commonfate_webhook_integration" "found" {
  id = "whk_${'1'.repeat(27)}"
}
`);
    const missing = await reader.run(['plan', '-no-color']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('Webhook integration not found');
  });

  test('header values appear neither in plan output nor in TF_LOG=trace logs', async () => {
    ws.write(
      integrationConfig({
        url: 'https://hooks.example.com/two',
        headers: `[{ key = "Authorization", value = "${SECRET}-logged" }]`,
        extra: 'send_authorization_events = true',
      }),
    );
    const logFile = join(ws.dir, 'trace.log');
    const traced = { TF_LOG: 'trace', TF_LOG_PATH: logFile };
    const plan = await ws.ok(['plan'], 0, traced);
    const apply = await ws.ok(['apply', '-auto-approve'], 0, { TF_LOG: 'trace' });
    const log = readFileSync(logFile, 'utf8');
    // The log really holds provider output (so the check below can fail).
    expect(log).toContain('commonfate: PlanResourceChange done');
    for (const text of [plan.stdout, plan.stderr, apply.stdout, apply.stderr, log]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(service.apiKey);
    }
    expect(apply.stderr).toContain('ApplyResourceChange done');
    expect((await client.get(id)).body.headers).toEqual([{ key: 'Authorization', value: `${SECRET}-logged` }]);
  });

  test('destroy deletes it, and succeeds when it is already gone', async () => {
    await ws.ok(['destroy', '-auto-approve']);
    expect((await client.get(id)).status).toBe(404);

    await ws.ok(['apply', '-auto-approve']);
    const again = (await ws.ok(['output', '-raw', 'id'])).stdout;
    expect((await client.delete(again)).status).toBe(204);
    // Without a refresh Terraform still believes it exists, so the provider's delete meets a 404: success.
    const destroy = await ws.ok(['destroy', '-auto-approve', '-refresh=false']);
    expect(destroy.stdout).toContain('Destroy complete! Resources: 1 destroyed.');
    expect(await ws.stateValues()).toEqual({});
  });
});
