/**
 * OIDC access tokens beside API keys, with tokens from `oidc-provider` (an OpenID Certified implementation, on
 * loopback): JWTs via a resource indicator, scope- and claim-based roles, opaque tokens refused without
 * introspection and accepted with it, Cognito-shaped tokens checked by client id, and every way a token can be
 * wrong. Two services share one identity provider: `jwtOnly` trusts the issuer's JWTs; `withIntrospection`
 * also introspects opaque tokens and reads roles from a Keycloak-style nested claim.
 */
import { startOp, type TestOp } from '../../test/support/oidc-op';
import { startTestService, type TestService } from '../../test/support/service';
import { client, validIntegration } from '../../test/support/http';
import { ConfigError, loadConfig } from '../config';
import { EVALUATION_HEADER } from '../http/endpoint';

const AUDIENCE = 'https://commonfate.example.com';
const SECRET = 'client-secret-for-tests-3f9a';
const API_SECRET = 'introspection-secret-for-tests-77c1';
const SCOPES = 'commonfate/admin commonfate/read';

let op: TestOp;
let untrusted: TestOp;
let jwtOnly: TestService;
let withIntrospection: TestService;

beforeAll(async () => {
  [op, untrusted] = await Promise.all([
    startOp({
      clients: [
        { client_id: 'ci-admin', client_secret: SECRET, scope: SCOPES },
        { client_id: 'ci-reader', client_secret: SECRET, scope: SCOPES },
        { client_id: 'ci-claim', client_secret: SECRET, extra_claims: { cf_role: 'admin' } },
        { client_id: 'ci-keycloak', client_secret: SECRET, extra_claims: { realm_access: { roles: ['offline_access', 'admin'] } } },
        { client_id: 'ci-short', client_secret: SECRET, scope: SCOPES, ttl: 2 },
        { client_id: 'commonfate-api', client_secret: API_SECRET },
      ],
      resourceServers: { [AUDIENCE]: { scope: SCOPES }, 'https://elsewhere.example.com': { scope: SCOPES } },
      scopes: SCOPES.split(' '),
    }),
    startOp({ clients: [] }),
  ]);
  const common = {
    CF_OIDC_ISSUERS: op.issuer,
    CF_OIDC_AUDIENCE: AUDIENCE,
    CF_OIDC_ADMIN_SCOPES: 'commonfate/admin',
  };
  [jwtOnly, withIntrospection] = await Promise.all([
    startTestService({ env: { ...common, CF_OIDC_CLIENT_IDS: 'cognito-app-client' } }),
    startTestService({
      env: {
        ...common,
        CF_OIDC_CLIENT_IDS: 'ci-admin,ci-reader,ci-short',
        CF_OIDC_ROLE_CLAIM: 'realm_access.roles',
        CF_OIDC_INTROSPECTION_URL: `${op.issuer}/token/introspection`,
        CF_OIDC_INTROSPECTION_CLIENT_ID: 'commonfate-api',
        CF_OIDC_INTROSPECTION_CLIENT_SECRET: API_SECRET,
      },
    }),
  ]);
});
afterAll(async () => {
  await Promise.all([jwtOnly?.stop(), withIntrospection?.stop()]);
  await Promise.all([op?.close(), untrusted?.close()]);
});

const path = '/v1/webhook-integrations';
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
const now = () => Math.floor(Date.now() / 1000);

async function token(clientId: string, params: Record<string, string> = {}): Promise<string> {
  const res = await op.clientCredentials(clientId, SECRET, params);
  expect(res.status).toBe(200);
  return res.body.access_token as string;
}

async function principalOf(service: TestService, res: { headers: Record<string, string> }) {
  const id = res.headers[EVALUATION_HEADER.toLowerCase()];
  const http = client(service);
  const fetched = await http.agent.get(`/v1/authorization-evaluations/${id}`).set(http.auth());
  return fetched.body.request.principal as { type: string; id: string };
}

const get = (service: TestService, t: string) => client(service).agent.get(path).set(bearer(t));
const post = (service: TestService, t: string) => client(service).agent.post(path).set(bearer(t)).send(validIntegration());

describe('JWT access tokens from the identity provider', () => {
  test('a token requested with a resource indicator is a JWT for that audience; its admin scope may write, as CF::Service', async () => {
    const t = await token('ci-admin', { resource: AUDIENCE, scope: 'commonfate/admin' });
    const payload = JSON.parse(Buffer.from(t.split('.')[1], 'base64url').toString());
    expect(payload).toMatchObject({ aud: AUDIENCE, client_id: 'ci-admin', scope: 'commonfate/admin', iss: op.issuer });
    const res = await post(jwtOnly, t);
    expect(res.status).toBe(201);
    expect(await principalOf(jwtOnly, res)).toEqual({ type: 'CF::Service', id: 'ci-admin' });
  });

  test('without an admin scope the same client may read but not write', async () => {
    const t = await token('ci-reader', { resource: AUDIENCE, scope: 'commonfate/read' });
    expect((await get(jwtOnly, t)).status).toBe(200);
    const write = await post(jwtOnly, t);
    expect(write.status).toBe(403);
    expect(write.body.detail).toContain('CF::Service::"ci-reader" (role read_only)');
  });

  test('the role claim grants admin: cf_role by default, a nested claim when CF_OIDC_ROLE_CLAIM names its path', async () => {
    expect((await post(jwtOnly, await token('ci-claim', { resource: AUDIENCE }))).status).toBe(201);
    const keycloakShaped = await token('ci-keycloak', { resource: AUDIENCE });
    expect((await post(withIntrospection, keycloakShaped)).status).toBe(201);
    // The service reading cf_role does not take realm_access.roles for it.
    expect((await post(jwtOnly, keycloakShaped)).status).toBe(403);
  });

  test('a user token with an email is a CF::User', async () => {
    // oidc-provider issues user tokens only after a browser sign-in; signed here with its key instead.
    const t = await op.sign({ sub: 'usr_2ZaVKh5QwjlPsy1ImKc6GY2Xbsc', aud: AUDIENCE, email: 'chris@example.com', name: 'Chris' });
    const read = await get(jwtOnly, t);
    expect(read.status).toBe(200);
    expect(await principalOf(jwtOnly, read)).toEqual({ type: 'CF::User', id: 'usr_2ZaVKh5QwjlPsy1ImKc6GY2Xbsc' });
    expect((await post(jwtOnly, t)).status).toBe(403);
  });
});

describe('Cognito-shaped access tokens (no aud; client_id and scope)', () => {
  // oidc-provider refuses to issue a JWT access token without aud, so these are signed with the OP's own key
  // (published in its JWKS) in the shape Cognito documents for client-credentials tokens.
  const cognito = (claims: Record<string, unknown>) =>
    op.sign({ sub: 'cognito-app-client', client_id: 'cognito-app-client', token_use: 'access', scope: 'commonfate/admin', jti: 'c0ffee', ...claims });

  test('are accepted by client id (CF_OIDC_CLIENT_IDS), admin by scope', async () => {
    const res = await post(jwtOnly, await cognito({}));
    expect(res.status).toBe(201);
    expect(await principalOf(jwtOnly, res)).toEqual({ type: 'CF::Service', id: 'cognito-app-client' });
  });

  test('from a client that is not listed are 401, saying so', async () => {
    const res = await get(jwtOnly, await cognito({ sub: 'other', client_id: 'other-app-client' }));
    expect(res.status).toBe(401);
    expect(res.body.detail).toContain('"other-app-client" is not one this API accepts (CF_OIDC_CLIENT_IDS)');
  });

  test('an ID token (token_use id, aud = client id) is not taken for an access token', async () => {
    const res = await get(jwtOnly, await cognito({ token_use: 'id', aud: 'cognito-app-client', client_id: undefined }));
    expect(res.status).toBe(401);
    expect(res.body.detail).toContain('send an access token');
  });
});

describe('opaque access tokens', () => {
  test('are the identity provider\'s answer without a resource, and refused with a 401 that says why when introspection is off', async () => {
    const t = await token('ci-admin', { scope: 'commonfate/admin' });
    expect(t.split('.')).toHaveLength(1);
    const res = await get(jwtOnly, t);
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(res.body).toMatchObject({ type: 'https://commonfate.io/problems/unauthenticated', status: 401 });
    expect(res.body.detail).toContain('opaque OAuth2 access token');
    expect(res.body.detail).toContain('token introspection (CF_OIDC_INTROSPECTION_URL) is not configured');
    expect(res.body.detail).not.toContain(t);
  });

  test('are accepted with introspection, and one introspection serves repeated calls', async () => {
    const t = await token('ci-admin', { scope: 'commonfate/admin' });
    const before = op.introspections().length;
    const res = await post(withIntrospection, t);
    expect(res.status).toBe(201);
    expect(await principalOf(withIntrospection, res)).toEqual({ type: 'CF::Service', id: 'ci-admin' });
    expect((await get(withIntrospection, t)).status).toBe(200);
    expect((await get(withIntrospection, t)).status).toBe(200);
    expect(op.introspections().length - before).toBe(1);
    expect(op.introspections().at(-1)).toMatchObject({ client_id: 'commonfate-api', status: 200, authorization: 'Basic' });
  });

  test('an introspected token is read-only without an admin scope', async () => {
    const t = await token('ci-reader', { scope: 'commonfate/read' });
    expect((await get(withIntrospection, t)).status).toBe(200);
    expect((await post(withIntrospection, t)).status).toBe(403);
  });

  test('a cached result is not used past the token\'s lifetime: the expired token is asked about again and refused', async () => {
    const t = await token('ci-short', { scope: 'commonfate/read' }); // lives 2 s
    const before = op.introspections().length;
    expect((await get(withIntrospection, t)).status).toBe(200);
    expect((await get(withIntrospection, t)).status).toBe(200);
    expect(op.introspections().length - before).toBe(1);
    await new Promise((r) => setTimeout(r, 3000));
    const res = await get(withIntrospection, t);
    expect(res.status).toBe(401);
    expect(res.body.detail).toContain('not active');
    expect(op.introspections().length - before).toBe(2);
  });

  test('an encrypted (JWE) token gets a 401 naming the audience as the fix', async () => {
    const res = await get(jwtOnly, 'eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..aGVsbG8.d29ybGQ.dGFn');
    expect(res.status).toBe(401);
    expect(res.body.detail).toContain('encrypted token (JWE)');
    expect(res.body.detail).toContain('oidc_audience');
  });
});

describe('refused tokens', () => {
  test.each([
    ['signed by an issuer that is not trusted', () => untrusted.sign({ sub: 'x', aud: AUDIENCE, cf_role: 'admin' }), 'is not trusted'],
    ['claiming the trusted issuer but signed with another key', () => untrusted.sign({ iss: op.issuer, sub: 'x', aud: AUDIENCE, cf_role: 'admin' }), 'does not verify'],
    ['expired', () => op.sign({ sub: 'x', aud: AUDIENCE, cf_role: 'admin', exp: now() - 120 }), 'expired'],
    ['that is a Keycloak-style ID token (typ ID)', () => op.sign({ sub: 'x', aud: AUDIENCE, azp: 'x', typ: 'ID', cf_role: 'admin' }), 'send an access token'],
    ['issued for another audience by the identity provider', () => token('ci-admin', { resource: 'https://elsewhere.example.com', scope: 'commonfate/admin' }), 'not for this API'],
    ['with its signature altered', async () => {
      const [h, p, sig] = (await token('ci-admin', { resource: AUDIENCE, scope: 'commonfate/admin' })).split('.');
      return `${h}.${p}.${sig.slice(0, -4)}${sig.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
    }, 'does not verify'],
    ['with a forged role claim', async () => {
      const [h, p, sig] = (await token('ci-reader', { resource: AUDIENCE, scope: 'commonfate/read' })).split('.');
      const claims = { ...JSON.parse(Buffer.from(p, 'base64url').toString()), scope: 'commonfate/admin' };
      return `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${sig}`;
    }, 'does not verify'],
  ])('a token %s is 401 with the reason', async (_label, make, reason) => {
    const res = await post(jwtOnly, await make());
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
    expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
    expect(res.body.detail).toContain(reason);
  });

  test('a trusted issuer that cannot be reached answers 503, not 401: the caller did nothing wrong', async () => {
    const gone = await startOp({ clients: [] });
    const t = await gone.sign({ sub: 'x', aud: AUDIENCE });
    await gone.close();
    const service = await startTestService({ env: { CF_OIDC_ISSUERS: gone.issuer, CF_OIDC_AUDIENCE: AUDIENCE } });
    try {
      const res = await get(service, t);
      expect(res.status).toBe(503);
      expect(res.body.detail).toContain(`The discovery document of ${gone.issuer} could not be read`);
    } finally {
      await service.stop();
    }
  });
});

test('introspection with a wrong client secret is a 503 naming the identity provider\'s error, and the secret stays out of it', async () => {
  const wrong = 'wrong-introspection-secret-42';
  const service = await startTestService({
    env: {
      CF_OIDC_CLIENT_IDS: 'ci-admin',
      CF_OIDC_INTROSPECTION_URL: `${op.issuer}/token/introspection`,
      CF_OIDC_INTROSPECTION_CLIENT_ID: 'commonfate-api',
      CF_OIDC_INTROSPECTION_CLIENT_SECRET: wrong,
    },
  });
  try {
    const res = await get(service, await token('ci-admin', { scope: 'commonfate/read' }));
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.body.detail).toContain(`Token introspection at ${op.issuer}/token/introspection answered HTTP 401: invalid_client.`);
    expect(JSON.stringify(res.body)).not.toContain(wrong);
  } finally {
    await service.stop();
  }
});

describe('OIDC settings', () => {
  test('trusting an issuer without an audience or client id list stops the service with a message naming both', () => {
    expect(() => loadConfig({ CF_OIDC_ISSUERS: 'https://idp.example.com' })).toThrow(ConfigError);
    expect(() => loadConfig({ CF_OIDC_ISSUERS: 'https://idp.example.com' })).toThrow(/CF_OIDC_AUDIENCE.*CF_OIDC_CLIENT_IDS/);
  });

  test('introspection needs its client credentials; lists split on commas, scopes on commas or spaces', () => {
    expect(() => loadConfig({ CF_OIDC_INTROSPECTION_URL: 'https://idp.example.com/introspect', CF_OIDC_CLIENT_IDS: 'a' })).toThrow(
      /CF_OIDC_INTROSPECTION_CLIENT_ID.*\n.*CF_OIDC_INTROSPECTION_CLIENT_SECRET/,
    );
    const config = loadConfig({
      CF_OIDC_ISSUERS: 'https://a.example.com, https://b.example.com/',
      CF_OIDC_AUDIENCE: 'api://commonfate',
      CF_OIDC_ADMIN_SCOPES: 'commonfate/admin, commonfate/write commonfate/root',
    });
    expect(config.CF_OIDC_ISSUERS).toEqual(['https://a.example.com', 'https://b.example.com/']);
    expect(config.CF_OIDC_ADMIN_SCOPES).toEqual(['commonfate/admin', 'commonfate/write', 'commonfate/root']);
    expect(config.CF_OIDC_ROLE_CLAIM).toBe('cf_role');
    expect(() => loadConfig({ CF_OIDC_ISSUERS: 'idp.example.com', CF_OIDC_AUDIENCE: 'x' })).toThrow(/CF_OIDC_ISSUERS must be http\(s\) URLs/);
  });
});
