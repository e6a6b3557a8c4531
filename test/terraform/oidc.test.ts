/**
 * The provider authenticating with OAuth2 client credentials instead of an API key.
 *
 * The OIDC issuer here is a small fake: identity providers are outside the product, so a test stand-in is
 * allowed for them. It serves discovery, a JWKS and a token endpoint that checks client_secret_basic
 * credentials; the real API (CF_OIDC_ISSUERS) verifies the JWTs it mints against that JWKS.
 */
import { startFakeIssuer, type FakeIssuer } from '../support/fake-oidc';
import { startTestService, type TestService } from '../support/service';
import { api, buildMirror, Workspace } from './harness';

const CLIENT_ID = 'terraform-ci';
const CLIENT_SECRET = 'oidc-client-secret-9d2c41';

describe('OIDC client credentials', () => {
  let issuer: FakeIssuer;
  let service: TestService;
  let mirror: string;
  const workspaces: Workspace[] = [];

  beforeAll(async () => {
    issuer = await startFakeIssuer({ id: CLIENT_ID, secret: CLIENT_SECRET, claims: { cf_role: 'admin' } });
    [service, mirror] = await Promise.all([startTestService({ env: { CF_OIDC_ISSUERS: issuer.url } }), buildMirror()]);
  });

  afterAll(async () => {
    for (const w of workspaces) w.remove();
    await service?.stop();
    await issuer?.close();
  });

  function workspace(secret: string) {
    const ws = new Workspace(mirror, { CF_OIDC_CLIENT_SECRET: secret });
    workspaces.push(ws);
    ws.write(`
provider "commonfate" {
  api_url        = "${service.baseUrl}"
  oidc_issuer    = "${issuer.url}"
  oidc_client_id = "${CLIENT_ID}"
}

resource "commonfate_webhook_integration" "via_oidc" {
  name = "created with a client-credentials token"
  url  = "https://hooks.example.com/oidc"
}
`);
    return ws;
  }

  test('apply and destroy with a token from the issuer', async () => {
    const ws = workspace(CLIENT_SECRET);
    await ws.init();
    const before = issuer.tokensIssued;
    await ws.ok(['apply', '-auto-approve']);
    expect(issuer.tokensIssued).toBeGreaterThan(before);
    const created = Object.values(await ws.stateValues())[0];
    const stored = await api(service.baseUrl, service.apiKey).get(created.id as string);
    expect(stored.body.name).toBe('created with a client-credentials token');
    await ws.ok(['plan', '-detailed-exitcode'], 0);
    await ws.ok(['destroy', '-auto-approve']);
  });

  test('a wrong client secret gives a diagnostic naming the OIDC settings, not the secret', async () => {
    const wrong = 'not-the-right-secret-77';
    const ws = workspace(wrong);
    await ws.init();
    const res = await ws.run(['apply', '-auto-approve', '-no-color']);
    expect(res.code).toBe(1);
    const out = res.stderr.replace(/\n(?!\n)/g, ' ');
    expect(out).toContain('Error: OIDC token request failed');
    expect(out).toContain('invalid_client');
    expect(out).toContain('Check oidc_issuer, oidc_client_id and oidc_client_secret');
    expect(out).not.toContain(wrong);
  });
});
