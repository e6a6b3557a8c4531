/**
 * The provider's client-credentials token source against `oidc-provider` (OpenID Certified, on loopback):
 * what it sends, how it authenticates, when it asks again, and what the user reads when the identity
 * provider says no.
 */
import { startOp, type TestOp } from '../../test/support/oidc-op';
import { DiagnosticError } from '../protocol';
import { oidcTokenSource, type OidcSettings } from './auth';

const AUDIENCE = 'https://commonfate.example.com';
const SECRET = 'provider-client-secret-5b7e';
const SCOPES = 'commonfate/admin commonfate/read';

let op: TestOp;
let postOnly: TestOp;

beforeAll(async () => {
  [op, postOnly] = await Promise.all([
    startOp({
      clients: [
        { client_id: 'terraform-ci', client_secret: SECRET, scope: SCOPES },
        { client_id: 'short-lived', client_secret: SECRET, ttl: 2 },
      ],
      resourceServers: { [AUDIENCE]: { scope: SCOPES } },
      scopes: SCOPES.split(' '),
    }),
    startOp({
      clients: [{ client_id: 'terraform-ci', client_secret: SECRET, token_endpoint_auth_method: 'client_secret_post' }],
      clientAuthMethods: ['client_secret_post'],
    }),
  ]);
});
afterAll(() => Promise.all([op?.close(), postOnly?.close()]));

const source = (overrides: Partial<OidcSettings> = {}) =>
  oidcTokenSource({ issuer: op.issuer, clientId: 'terraform-ci', clientSecret: SECRET, ...overrides });

async function diagnostic(promise: Promise<unknown>) {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DiagnosticError);
  return (err as DiagnosticError).diagnostics[0];
}

test('sends the scopes, and the audience as both audience and resource, authenticating with client_secret_basic', async () => {
  const token = await source({ scopes: ['commonfate/admin'], audience: AUDIENCE }).token();
  const payload = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
  expect(payload).toMatchObject({ aud: AUDIENCE, scope: 'commonfate/admin', client_id: 'terraform-ci' });
  const request = op.tokenRequests().at(-1)!;
  expect(request).toMatchObject({ status: 200, authorization: 'Basic' });
  expect(request.form).toEqual({ grant_type: 'client_credentials', scope: 'commonfate/admin', audience: AUDIENCE, resource: AUDIENCE });
});

test('without scopes or audience it sends neither (and this identity provider then issues an opaque token)', async () => {
  const token = await source().token();
  expect(token.split('.')).toHaveLength(1);
  expect(op.tokenRequests().at(-1)!.form).toEqual({ grant_type: 'client_credentials' });
});

test('falls back to client_secret_post when discovery lists only that', async () => {
  const token = await oidcTokenSource({ issuer: postOnly.issuer, clientId: 'terraform-ci', clientSecret: SECRET }).token();
  expect(token).toEqual(expect.any(String));
  const request = postOnly.tokenRequests().at(-1)!;
  expect(request.status).toBe(200);
  expect(request.authorization).toBeUndefined(); // no Basic header
  expect(request.form).toEqual({ grant_type: 'client_credentials', client_id: 'terraform-ci', client_secret: '(hidden)' });
});

test('concurrent calls share one token request, and the token is reused while it is fresh', async () => {
  const tokens = source({ audience: AUDIENCE, scopes: ['commonfate/read'] });
  const before = op.tokenRequests().length;
  const [a, b, c] = await Promise.all([tokens.token(), tokens.token(), tokens.token()]);
  expect(new Set([a, b, c]).size).toBe(1);
  expect(await tokens.token()).toBe(a);
  expect(op.tokenRequests().length - before).toBe(1);
  tokens.invalidate();
  expect(await tokens.token()).not.toBe(a);
  expect(op.tokenRequests().length - before).toBe(2);
});

test('a token is replaced before it expires', async () => {
  const tokens = oidcTokenSource({ issuer: op.issuer, clientId: 'short-lived', clientSecret: SECRET }); // lives 2 s
  const first = await tokens.token();
  await new Promise((r) => setTimeout(r, 1200)); // past half its life
  expect(await tokens.token()).not.toBe(first);
});

test('a wrong secret gives a diagnostic with the identity provider\'s error code and description, never the secret', async () => {
  const wrong = 'definitely-not-the-secret-91';
  const d = await diagnostic(source({ clientSecret: wrong }).token());
  expect(d.summary).toBe('OIDC token request failed');
  expect(d.detail).toContain(`${op.issuer}/token refused the client-credentials request with HTTP 401: invalid_client (client authentication failed)`);
  expect(d.detail).toContain('Check oidc_client_id and oidc_client_secret');
  expect(JSON.stringify(d)).not.toContain(wrong);
  expect(JSON.stringify(d)).not.toContain(SECRET);
});

test.each([
  ['a scope the client may not request', { scopes: ['openid'] }, 'invalid_scope', 'Check oidc_scopes'],
  ['an audience the identity provider does not know', { audience: 'https://unknown.example.com' }, 'invalid_target', 'Check oidc_audience'],
])('%s names the setting to fix', async (_label, overrides, code, hint) => {
  const d = await diagnostic(source(overrides).token());
  expect(d.detail).toContain(`: ${code} (`);
  expect(d.detail).toContain(hint);
});

test('an issuer that is not an OIDC issuer fails at discovery with a hint', async () => {
  const d = await diagnostic(oidcTokenSource({ issuer: `${op.issuer}/nope`, clientId: 'x', clientSecret: SECRET }).token());
  expect(d.summary).toBe('OIDC discovery failed');
  expect(d.detail).toContain('Is oidc_issuer (or CF_OIDC_ISSUER) the issuer URL');
});
