/**
 * The provider authenticating with OAuth2 client credentials instead of an API key, through the real
 * `terraform` binary, against `oidc-provider` (an OpenID Certified implementation, on loopback) and the real
 * API. Two API configurations share the identity provider:
 * - `jwtApi` trusts its JWTs: the provider asks for a token for the API (oidc_audience, sent as the RFC 8707
 *   resource) with the scope that makes an admin (CF_OIDC_ADMIN_SCOPES);
 * - `opaqueApi` also introspects opaque tokens (what the identity provider issues when no resource is named).
 */
import { startOp, type TestOp } from '../support/oidc-op';
import { startTestService, type TestService } from '../support/service';
import { api, buildMirror, Workspace } from './harness';

const AUDIENCE = 'https://commonfate.example.com';
const SCOPES = 'commonfate/admin commonfate/read';
const SECRET = 'oidc-client-secret-9d2c41';
const API_SECRET = 'introspection-secret-0e8b';

describe('OIDC client credentials', () => {
  let op: TestOp;
  let jwtApi: TestService;
  let opaqueApi: TestService;
  let mirror: string;
  const workspaces: Workspace[] = [];

  beforeAll(async () => {
    op = await startOp({
      clients: [
        { client_id: 'terraform-ci', client_secret: SECRET, scope: SCOPES },
        { client_id: 'short-lived', client_secret: SECRET, scope: SCOPES, ttl: 2 },
        { client_id: 'commonfate-api', client_secret: API_SECRET },
      ],
      resourceServers: { [AUDIENCE]: { scope: SCOPES } },
      scopes: SCOPES.split(' '),
    });
    const common = { CF_OIDC_ISSUERS: op.issuer, CF_OIDC_ADMIN_SCOPES: 'commonfate/admin' };
    [jwtApi, opaqueApi, mirror] = await Promise.all([
      startTestService({ env: { ...common, CF_OIDC_AUDIENCE: AUDIENCE } }),
      startTestService({
        env: {
          ...common,
          CF_OIDC_CLIENT_IDS: 'terraform-ci,short-lived',
          CF_OIDC_INTROSPECTION_URL: `${op.issuer}/token/introspection`,
          CF_OIDC_INTROSPECTION_CLIENT_ID: 'commonfate-api',
          CF_OIDC_INTROSPECTION_CLIENT_SECRET: API_SECRET,
        },
      }),
      buildMirror(),
    ]);
  });

  afterAll(async () => {
    for (const w of workspaces) w.remove();
    await Promise.all([jwtApi?.stop(), opaqueApi?.stop()]);
    await op?.close();
  });

  function workspace(o: { service: TestService; provider: string; resources?: string; env?: Record<string, string> }) {
    const ws = new Workspace(mirror, { CF_OIDC_CLIENT_SECRET: SECRET, ...o.env });
    workspaces.push(ws);
    ws.write(`
provider "commonfate" {
  api_url     = "${o.service.baseUrl}"
  oidc_issuer = "${op.issuer}"
  ${o.provider}
}
${
  o.resources ??
  `
resource "commonfate_webhook_integration" "via_oidc" {
  name = "created with a client-credentials token"
  url  = "https://hooks.example.com/oidc"
}`
}
`);
    return ws;
  }

  /** Who the API saw make each call, from its stored authorization evaluations. */
  async function principals(service: TestService): Promise<string[]> {
    const { rows } = await service.db.pool.query<{ p: { type: string; id: string } }>(
      "SELECT payload->'request'->'principal' AS p FROM authorization_evaluations WHERE allowed",
    );
    return [...new Set(rows.map((r) => `${r.p.type}::${r.p.id}`))];
  }

  async function applyAndDestroy(ws: Workspace, service: TestService) {
    await ws.init();
    await ws.ok(['apply', '-auto-approve']);
    const created = Object.values(await ws.stateValues())[0];
    const stored = await api(service.baseUrl, service.apiKey).get(created.id as string);
    expect(stored.body.name).toBe('created with a client-credentials token');
    await ws.ok(['plan', '-detailed-exitcode'], 0);
    await ws.ok(['destroy', '-auto-approve']);
    expect((await api(service.baseUrl, service.apiKey).get(created.id as string)).status).toBe(404);
  }

  test('JWT via a resource indicator, admin by scope: apply, no-op plan, destroy', async () => {
    const ws = workspace({
      service: jwtApi,
      provider: `oidc_client_id = "terraform-ci"
  oidc_scopes    = ["commonfate/admin"]
  oidc_audience  = "${AUDIENCE}"`,
    });
    const before = op.tokenRequests().length;
    await applyAndDestroy(ws, jwtApi);
    const sent = op.tokenRequests().slice(before);
    expect(sent.length).toBeGreaterThan(0);
    for (const r of sent) {
      expect(r).toMatchObject({ status: 200, client_id: 'terraform-ci', authorization: 'Basic' });
      expect(r.form).toEqual({ grant_type: 'client_credentials', scope: 'commonfate/admin', audience: AUDIENCE, resource: AUDIENCE });
    }
    expect(await principals(jwtApi)).toContain('CF::Service::terraform-ci');
  });

  test('opaque tokens with introspection (scopes from CF_OIDC_SCOPES): apply, no-op plan, destroy', async () => {
    const ws = workspace({ service: opaqueApi, provider: 'oidc_client_id = "terraform-ci"', env: { CF_OIDC_SCOPES: SCOPES } });
    const tokensBefore = op.tokenRequests().length;
    const introspectionsBefore = op.introspections().length;
    await applyAndDestroy(ws, opaqueApi);
    for (const r of op.tokenRequests().slice(tokensBefore)) {
      expect(r.form).toEqual({ grant_type: 'client_credentials', scope: SCOPES });
    }
    const introspections = op.introspections().slice(introspectionsBefore);
    expect(introspections.length).toBeGreaterThan(0);
    expect(introspections.every((r) => r.status === 200 && r.client_id === 'commonfate-api')).toBe(true);
    expect(await principals(opaqueApi)).toContain('CF::Service::terraform-ci');
  });

  test('opaque tokens without introspection: the apply stops with the API\'s reason', async () => {
    const ws = workspace({ service: jwtApi, provider: 'oidc_client_id = "terraform-ci"\n  oidc_scopes = ["commonfate/admin"]' });
    await ws.init();
    const res = await ws.run(['apply', '-auto-approve', '-no-color']);
    expect(res.code).toBe(1);
    const out = res.stderr.replace(/\s+/g, ' ');
    expect(out).toContain('Error: Authentication failed');
    expect(out).toContain('opaque OAuth2 access token');
    expect(out).toContain('token introspection (CF_OIDC_INTROSPECTION_URL) is not configured');
  });

  test('a token that expires mid-apply is replaced and the apply completes', async () => {
    // short-lived's tokens live 2 s; a local-exec sleep between two integrations outlasts the first token. The
    // tokens are opaque and introspected, so the API would refuse the expired one.
    const ws = workspace({
      service: opaqueApi,
      provider: 'oidc_client_id = "short-lived"\n  oidc_scopes = ["commonfate/admin"]',
      resources: `
resource "commonfate_webhook_integration" "first" {
  name = "before the token expires"
  url  = "https://hooks.example.com/first"
}

resource "terraform_data" "outlast_the_token" {
  depends_on = [commonfate_webhook_integration.first]
  provisioner "local-exec" {
    command = "sleep 3"
  }
}

resource "commonfate_webhook_integration" "second" {
  depends_on = [terraform_data.outlast_the_token]
  name       = "after the token expired"
  url        = "https://hooks.example.com/second"
}`,
    });
    await ws.init();
    const before = op.tokenRequests().filter((r) => r.client_id === 'short-lived').length;
    await ws.ok(['apply', '-auto-approve']);
    const issued = op.tokenRequests().filter((r) => r.client_id === 'short-lived');
    expect(issued.length - before).toBeGreaterThanOrEqual(2);
    const state = await ws.stateValues();
    expect(state['commonfate_webhook_integration.second'].name).toBe('after the token expired');
    await ws.ok(['destroy', '-auto-approve']);
  });

  test('a scope with a space in it fails the plan, pointing at the element', async () => {
    const ws = workspace({ service: jwtApi, provider: 'oidc_client_id = "terraform-ci"\n  oidc_scopes = ["commonfate/read", "commonfate/admin commonfate/read"]' });
    await ws.init();
    const res = await ws.run(['plan', '-no-color']);
    expect(res.code).toBe(1);
    const out = res.stderr.replace(/\s+/g, ' ');
    expect(out).toContain('Error: Invalid oidc_scopes');
    expect(out).toContain('list several scopes as several elements');
    expect(out).toMatch(/on main\.tf line \d+, in provider "commonfate":/);
    expect(out).toContain('oidc_scopes = ["commonfate/read", "commonfate/admin commonfate/read"]');
  });

  test('a wrong client secret gives a diagnostic naming invalid_client, not the secret', async () => {
    const wrong = 'not-the-right-secret-77';
    const ws = workspace({ service: jwtApi, provider: 'oidc_client_id = "terraform-ci"', env: { CF_OIDC_CLIENT_SECRET: wrong } });
    await ws.init();
    const res = await ws.run(['apply', '-auto-approve', '-no-color']);
    expect(res.code).toBe(1);
    const out = res.stderr.replace(/\s+/g, ' ');
    expect(out).toContain('Error: OIDC token request failed');
    expect(out).toContain('HTTP 401: invalid_client (client authentication failed)');
    expect(out).toContain('Check oidc_client_id and oidc_client_secret');
    expect(res.stdout + res.stderr).not.toContain(wrong);
  });
});
