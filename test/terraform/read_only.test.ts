/**
 * The provider with read-only credentials, through the real terraform binary and the real API: header values
 * come back redacted, so refresh keeps what the state has and reports no drift on them (it cannot see them),
 * while every other attribute is still compared; the data source shows names without values.
 */
import { acceptanceContext, api, type Workspace } from './harness';

const SECRET = 'ro-secret-3c9e1a4f';

const config = (name = 'Read-only sink') => `
resource "commonfate_webhook_integration" "hook" {
  name    = "${name}"
  url     = "https://hooks.example.com/ro"
  headers = [
    { key = "Authorization", value = "${SECRET}" },
    { key = "X-Team", value = "platform" },
  ]
}

output "id" {
  value = commonfate_webhook_integration.hook.id
}
`;

describe('read-only credentials', () => {
  const ctx = acceptanceContext();
  let client: ReturnType<typeof api>;
  let ws: Workspace;
  let id: string;
  let readOnly: Record<string, string>;

  beforeAll(async () => {
    client = api(ctx.service.baseUrl, ctx.service.apiKey);
    readOnly = { CF_API_KEY: ctx.service.readOnlyApiKey };
    ws = ctx.workspace();
    ws.write(config());
    await ws.init();
    await ws.ok(['apply', '-auto-approve']);
    id = (await ws.ok(['output', '-raw', 'id'])).stdout;
  });

  test('the API shows the read-only key each header without its value', async () => {
    const reader = api(ctx.service.baseUrl, ctx.service.readOnlyApiKey);
    expect((await reader.get(id)).body.headers).toEqual([
      { key: 'Authorization', redacted: true },
      { key: 'X-Team', redacted: true },
    ]);
  });

  test('plan with a read-only key reports no drift on header values, and a refresh keeps them in state', async () => {
    const before = await ws.stateValues();
    const plan = await ws.ok(['plan', '-detailed-exitcode'], 0, readOnly);
    expect(plan.stdout).toContain('No changes.');
    await ws.ok(['apply', '-refresh-only', '-auto-approve'], 0, readOnly);
    expect(await ws.stateValues()).toEqual(before);
  });

  test('with a read-only key, other drift is still detected; a changed value is only seen by admin credentials', async () => {
    expect((await client.patch(id, { name: 'Renamed outside', headers: [{ key: 'Authorization', value: 'changed' }, { key: 'X-Team', redacted: true }] })).status).toBe(200);
    const reader = await ws.ok(['plan', '-detailed-exitcode'], 2, readOnly);
    expect(reader.stdout).toContain('"Renamed outside" -> "Read-only sink"');
    expect(reader.stdout).toContain('Plan: 0 to add, 1 to change, 0 to destroy.');
    expect(reader.stdout).not.toMatch(/~ value\s+= \(sensitive value\)/);

    const admin = await ws.ok(['plan', '-detailed-exitcode'], 2);
    expect(admin.stdout).toMatch(/~ value\s+= \(sensitive value\)/);

    const denied = await ws.run(['apply', '-auto-approve', '-no-color'], readOnly);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain('Permission denied');
    await ws.ok(['apply', '-auto-approve']);
    expect((await client.get(id)).body.headers[0]).toEqual({ key: 'Authorization', value: SECRET });
  });

  test('an import with a read-only key stores no values; the data source shows names only', async () => {
    const other = ctx.workspace();
    other.write(config());
    await other.init();
    await other.ok(['import', 'commonfate_webhook_integration.hook', id], 0, readOnly);
    const state = await other.stateValues();
    expect(state['commonfate_webhook_integration.hook'].headers).toEqual([
      { key: 'Authorization', value: null, value_wo: null },
      { key: 'X-Team', value: null, value_wo: null },
    ]);
    expect(other.read('terraform.tfstate')).not.toContain(SECRET);

    const reader = ctx.workspace();
    reader.write(`
data "commonfate_webhook_integration" "found" {
  id = "${id}"
}
output "headers" {
  value     = data.commonfate_webhook_integration.found.headers
  sensitive = true
}
`);
    await reader.init();
    await reader.ok(['apply', '-auto-approve'], 0, readOnly);
    const outputs = JSON.parse((await reader.ok(['output', '-json'])).stdout);
    expect(outputs.headers.value).toEqual([
      { key: 'Authorization', value: null },
      { key: 'X-Team', value: null },
    ]);
  });
});
