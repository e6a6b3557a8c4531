/**
 * A provider block in the shape of Common Fate's v2 provider documentation (api_url, authz_url and the three
 * oidc_* settings) validates, plans and applies. authz_url equal to api_url is silent; a different one is a
 * warning that says it is not used, whether written in the block or given as CF_AUTHZ_URL.
 *
 * The identity provider is `oidc-provider` on loopback (test/support/oidc-op.ts), configured as such a block needs
 * it: no scopes or audience are sent, so it issues JWTs for a default resource, with the `cf_role` claim.
 */
import { startOp, type TestOp } from '../support/oidc-op';
import { startTestService, type TestService } from '../support/service';
import { api, buildMirror, Workspace } from './harness';

const CLIENT_ID = 'terraform-ci';
const CLIENT_SECRET = 'authz-url-client-secret-51f0';
const AUDIENCE = 'https://api.commonfate.test';

describe('provider block with authz_url, as Common Fate documents it', () => {
  let op: TestOp;
  let service: TestService;
  let mirror: string;
  const workspaces: Workspace[] = [];

  beforeAll(async () => {
    op = await startOp({
      clients: [{ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, extra_claims: { cf_role: 'admin' } }],
      resourceServers: { [AUDIENCE]: { scope: '' } },
      defaultResource: AUDIENCE,
    });
    [service, mirror] = await Promise.all([
      startTestService({ env: { CF_OIDC_ISSUERS: op.issuer, CF_OIDC_AUDIENCE: AUDIENCE } }),
      buildMirror(),
    ]);
  });

  afterAll(async () => {
    for (const w of workspaces) w.remove();
    await service?.stop();
    await op?.close();
  });

  function workspace(authzUrl: string | undefined, env: Record<string, string> = {}) {
    const ws = new Workspace(mirror, env);
    workspaces.push(ws);
    ws.write(`
provider "commonfate" {
  api_url            = "${service.baseUrl}"
${authzUrl ? `  authz_url          = "${authzUrl}"\n` : ''}  oidc_client_id     = "${CLIENT_ID}"
  oidc_client_secret = "${CLIENT_SECRET}"
  oidc_issuer        = "${op.issuer}"
}

resource "commonfate_webhook_integration" "my_webhook_destination" {
  name                      = "My Webhook Destination"
  url                       = "https://webhook.example.com/webhook/path"
  send_audit_log_events     = true
  send_authorization_events = true
  filter_for_actions        = ["grant.breakglass_activated", "grant.force_closed", "proxy.session.started", "proxy.session.ended"]
}
`);
    return ws;
  }

  const joined = (s: string) => s.replace(/\n(?!\n)/g, ' ');

  test('authz_url equal to api_url validates, plans and applies without a warning', async () => {
    const ws = workspace(`${service.baseUrl}/`);
    await ws.init();
    const validated = await ws.ok(['validate']);
    expect(validated.stdout).toContain('Success! The configuration is valid.');
    expect(validated.stdout + validated.stderr).not.toContain('Warning');
    const plan = await ws.ok(['plan']);
    expect(plan.stdout).toContain('1 to add');
    expect(plan.stdout + plan.stderr).not.toContain('authz_url');
    await ws.ok(['apply', '-auto-approve']);
    const created = Object.values(await ws.stateValues())[0];
    const stored = await api(service.baseUrl, service.apiKey).get(created.id as string);
    expect(stored.body).toMatchObject({ name: 'My Webhook Destination', filter_for_actions: ['grant.breakglass_activated', 'grant.force_closed', 'proxy.session.ended', 'proxy.session.started'] });
    await ws.ok(['plan', '-detailed-exitcode'], 0);
    await ws.ok(['destroy', '-auto-approve']);
  });

  test('a different authz_url is a warning on validate, plan and apply, and the apply goes to api_url', async () => {
    const ws = workspace('https://authz.commonfate.example.com');
    await ws.init();
    const validated = await ws.ok(['validate']);
    expect(validated.stdout).toContain('Success! The configuration is valid, but there were some validation warnings');
    expect(joined(validated.stdout + validated.stderr)).toContain('Warning: authz_url is not used');
    const plan = await ws.ok(['plan']);
    const out = joined(plan.stdout + plan.stderr);
    expect(out).toContain('Warning: authz_url is not used');
    expect(out).toContain('authz_url          = "https://authz.commonfate.example.com"');
    expect(out).toContain('This control plane serves authorization at api_url');
    const applied = await ws.ok(['apply', '-auto-approve']);
    expect(joined(applied.stdout + applied.stderr)).toContain('Warning: authz_url is not used');
    expect(applied.stdout).toContain('1 added');
    await ws.ok(['destroy', '-auto-approve']);
  });

  test('CF_AUTHZ_URL pointing elsewhere is a warning too', async () => {
    const ws = workspace(undefined, { CF_AUTHZ_URL: 'https://authz.commonfate.example.com' });
    await ws.init();
    const plan = await ws.ok(['plan']);
    expect(joined(plan.stdout + plan.stderr)).toContain('Warning: authz_url is not used');
  });

  test('an authz_url that is not a URL is an error pointing at it', async () => {
    const ws = workspace('not a url');
    await ws.init();
    const res = await ws.run(['validate', '-no-color']);
    expect(res.code).toBe(1);
    expect(joined(res.stderr)).toContain('Error: Invalid authz_url');
    expect(res.stderr).toContain('authz_url          = "not a url"');
  });
});
