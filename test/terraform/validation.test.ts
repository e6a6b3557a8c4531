/**
 * Bad configurations fail at plan with diagnostics that name the attribute (and the line Terraform
 * highlights), whether the provider catches them itself or the API refuses them.
 */
import { startTestService, type TestService } from '../support/service';
import { api, buildMirror, Workspace } from './harness';

const resource = (body: string) => `
provider "commonfate" {}

resource "commonfate_webhook_integration" "bad" {
${body}
}
`;

describe('configuration errors', () => {
  let service: TestService;
  let mirror: string;
  const workspaces: Workspace[] = [];

  async function plan(config: string, env?: Record<string, string>) {
    const ws = new Workspace(mirror, env ?? { CF_API_URL: service.baseUrl, CF_API_KEY: service.apiKey });
    workspaces.push(ws);
    ws.write(config);
    await ws.init();
    const res = await ws.run(['plan', '-no-color']);
    expect(res.code).toBe(1);
    // Terraform wraps details at 78 columns; join lines so assertions don't depend on wrapping.
    return res.stderr.replace(/\n(?!\n)/g, ' ');
  }

  beforeAll(async () => {
    // CF_WEBHOOK_ALLOW_HTTP off: plan accepts http, the API refuses it (the API is the authority).
    [service, mirror] = await Promise.all([startTestService({ env: { CF_WEBHOOK_ALLOW_HTTP: 'false' } }), buildMirror()]);
  });

  afterAll(async () => {
    for (const w of workspaces) w.remove();
    await service?.stop();
  });

  test('a malformed url points at url', async () => {
    const out = await plan(resource('  name = "n"\n  url  = "not a url"'));
    expect(out).toContain('Error: Invalid url');
    expect(out).toContain('14:   url  = "not a url"');
    expect(out).toContain('must be an absolute URL');
  });

  test('a non-http scheme points at url', async () => {
    const out = await plan(resource('  name = "n"\n  url  = "ftp://files.example.com/x"'));
    expect(out).toContain('must use the https or http scheme');
    expect(out).toContain('url  = "ftp://files.example.com/x"');
  });

  test('bad, reserved and duplicate header names point at the header element', async () => {
    const out = await plan(
      resource(`  name = "n"
  url  = "https://example.com/h"
  headers = [
    { key = "X-Ok", value = "secret-one" },
    { key = "Bad Header", value = "v" },
    { key = "Content-Type", value = "v" },
    { key = "x-ok", value = "v" },
  ]`),
    );
    expect(out).toContain('Error: Invalid header name');
    expect(out).toContain('17:     { key = "Bad Header", value = "v" },');
    expect(out).toContain('headers[1].key must be a valid HTTP header name');
    expect(out).toContain('18:     { key = "Content-Type", value = "v" },');
    expect(out).toContain('"Content-Type" is reserved');
    expect(out).toContain('19:     { key = "x-ok", value = "v" },');
    expect(out).toContain('headers[3].key duplicates the header at index 0');
    expect(out).not.toContain('secret-one');
  });

  test('an unknown action points at filter_for_actions and names the action', async () => {
    const out = await plan(resource('  name = "n"\n  url = "https://example.com/h"\n  filter_for_actions = ["grant.requested", "grant.exploded"]'));
    expect(out).toContain('Error: Unknown audit log action');
    expect(out).toContain('filter_for_actions = ["grant.requested", "grant.exploded"]');
    expect(out).toContain('"grant.exploded", which is not an audit log action');
  });

  test('an empty name points at name', async () => {
    const out = await plan(resource('  name = ""\n  url = "https://example.com/h"'));
    expect(out).toContain('Error: Invalid name');
    expect(out).toContain('13:   name = ""');
  });

  test('a missing required attribute is reported by Terraform from the schema', async () => {
    const out = await plan(resource('  name = "n"'));
    expect(out).toContain('The argument "url" is required');
  });

  test('missing settings say what to set', async () => {
    const none = await plan(resource('  name = "n"\n  url = "https://example.com/h"'), {});
    expect(none).toContain('Error: Missing API URL');
    expect(none).toContain('Set api_url in the provider "commonfate" block or the CF_API_URL environment variable');
    expect(none).toContain('Error: Missing credentials');
    expect(none).toContain('Set api_key (or CF_API_KEY), or all of oidc_issuer, oidc_client_id and oidc_client_secret');

    const partialOidc = await plan(resource('  name = "n"\n  url = "https://example.com/h"'), {
      CF_API_URL: service.baseUrl,
      CF_OIDC_CLIENT_ID: 'terraform',
    });
    expect(partialOidc).toContain('Error: Missing oidc_client_secret');
    expect(partialOidc).toContain('Error: Missing oidc_issuer');
  });

  test('a wrong API key in the provider block says which setting to fix, without echoing it', async () => {
    const wrongKey = 'wrong-key-0123456789abcdef';
    const out = await plan(
      `
provider "commonfate" {
  api_url = "${service.baseUrl}"
  api_key = "${wrongKey}"
}
data "commonfate_webhook_integration" "x" {
  id = "whk_${'2'.repeat(27)}"
}
`,
      {},
    );
    expect(out).toContain('Error: Authentication failed');
    expect(out).toContain('refused the credentials from api_key (or CF_API_KEY)');
    expect(out).not.toContain(wrongKey);
  });

  test('an unreachable api_url names the setting', async () => {
    const out = await plan(
      `
data "commonfate_webhook_integration" "x" {
  id = "whk_${'2'.repeat(27)}"
}
`,
      { CF_API_URL: 'http://127.0.0.1:1', CF_API_KEY: 'whatever-key-123456' },
    );
    expect(out).toContain('Error: Could not reach the Common Fate API');
    expect(out).toContain('Check api_url (or CF_API_URL)');
  });
});

describe('API validation errors at apply', () => {
  let service: TestService;
  let mirror: string;
  let ws: Workspace;

  beforeAll(async () => {
    [service, mirror] = await Promise.all([startTestService({ env: { CF_WEBHOOK_ALLOW_HTTP: 'false' } }), buildMirror()]);
    ws = new Workspace(mirror, { CF_API_URL: service.baseUrl, CF_API_KEY: service.apiKey });
  });

  afterAll(async () => {
    ws?.remove();
    await service?.stop();
  });

  test('a plain http url refused by the service is reported against url, and nothing is stored', async () => {
    ws.write(`
resource "commonfate_webhook_integration" "plain" {
  name = "plain http"
  url  = "http://plain.example.com/h"
  headers = [{ key = "Authorization", value = "never-shown-1234" }]
}
`);
    await ws.init();
    await ws.ok(['plan']); // the provider lets http through at plan time
    const res = await ws.run(['apply', '-auto-approve', '-no-color']);
    expect(res.code).toBe(1);
    const out = res.stderr.replace(/\n(?!\n)/g, ' ');
    expect(out).toContain('Error: Invalid value');
    expect(out).toContain('url  = "http://plain.example.com/h"');
    expect(out).toContain('The API refused to create the webhook integration: url:');
    expect(out).not.toContain('never-shown-1234');
    expect(await ws.stateValues()).toEqual({});
    expect(await api(service.baseUrl, service.apiKey).listAll()).toEqual([]);
  });
});
