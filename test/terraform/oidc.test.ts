/**
 * The provider authenticating with OAuth2 client credentials instead of an API key.
 *
 * The OIDC issuer here is a small fake: identity providers are outside the product, so a test stand-in is
 * allowed for them. It serves discovery, a JWKS and a token endpoint that checks client_secret_basic
 * credentials; the real API (CF_OIDC_ISSUERS) verifies the JWTs it mints against that JWKS.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { startTestService, type TestService } from '../support/service';
import { api, buildMirror, Workspace } from './harness';

const CLIENT_ID = 'terraform-ci';
const CLIENT_SECRET = 'oidc-client-secret-9d2c41';

interface FakeIssuer {
  url: string;
  tokensIssued: number;
  close(): Promise<void>;
}

async function startFakeIssuer(): Promise<FakeIssuer> {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'test-key', alg: 'ES256', use: 'sig' };
  const state = { url: '', tokensIssued: 0 };
  const server: Server = createServer((req, res) => {
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'GET' && req.url === '/.well-known/openid-configuration') {
      return json(200, { issuer: state.url, token_endpoint: `${state.url}/oauth2/token`, jwks_uri: `${state.url}/jwks.json` });
    }
    if (req.method === 'GET' && req.url === '/jwks.json') return json(200, { keys: [jwk] });
    if (req.method === 'POST' && req.url === '/oauth2/token') {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', async () => {
        const expected = 'Basic ' + Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64');
        const form = new URLSearchParams(body);
        if (req.headers.authorization !== expected) return json(401, { error: 'invalid_client' });
        if (form.get('grant_type') !== 'client_credentials') return json(400, { error: 'unsupported_grant_type' });
        state.tokensIssued++;
        const token = await new SignJWT({ cf_role: 'admin' })
          .setProtectedHeader({ alg: 'ES256', kid: 'test-key' })
          .setIssuer(state.url)
          .setSubject(CLIENT_ID)
          .setIssuedAt()
          .setExpirationTime('10m')
          .sign(privateKey);
        json(200, { access_token: token, token_type: 'Bearer', expires_in: 600 });
      });
      return;
    }
    json(404, { error: 'not_found' });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    get url() {
      return state.url;
    },
    get tokensIssued() {
      return state.tokensIssued;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('OIDC client credentials', () => {
  let issuer: FakeIssuer;
  let service: TestService;
  let mirror: string;
  const workspaces: Workspace[] = [];

  beforeAll(async () => {
    issuer = await startFakeIssuer();
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
