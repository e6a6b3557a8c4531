import { startFakeIssuer, type FakeIssuer } from '../../test/support/fake-oidc';
import { startTestService, type TestService } from '../../test/support/service';
import { client, validIntegration } from '../../test/support/http';
import { EVALUATION_HEADER } from '../http/endpoint';

/** OIDC access tokens from a trusted issuer (CF_OIDC_ISSUERS), beside API keys. The issuer is a test stand-in. */
let issuer: FakeIssuer;
let untrusted: FakeIssuer;
let service: TestService;
let http: ReturnType<typeof client>;
const AUDIENCE = 'https://commonfate.example.com';

beforeAll(async () => {
  [issuer, untrusted] = await Promise.all([startFakeIssuer(), startFakeIssuer()]);
  service = await startTestService({ env: { CF_OIDC_ISSUERS: issuer.url, CF_OIDC_AUDIENCE: AUDIENCE } });
  http = client(service);
});
afterAll(async () => {
  await service.stop();
  await Promise.all([issuer.close(), untrusted.close()]);
});

const path = '/v1/webhook-integrations';
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

async function principalOf(res: { headers: Record<string, string> }) {
  const id = res.headers[EVALUATION_HEADER.toLowerCase()];
  const fetched = await http.agent.get(`/v1/authorization-evaluations/${id}`).set(http.auth());
  return fetched.body.request.principal as { type: string; id: string };
}

test('a client-credentials token with cf_role admin may write, as a CF::Service principal', async () => {
  const token = await issuer.mint({ sub: 'terraform-ci', aud: AUDIENCE, cf_role: 'admin' });
  const res = await http.agent.post(path).set(bearer(token)).send(validIntegration());
  expect(res.status).toBe(201);
  expect(await principalOf(res)).toEqual({ type: 'CF::Service', id: 'terraform-ci' });
});

test('without cf_role a token is read-only; a token with an email is a CF::User', async () => {
  const token = await issuer.mint({ sub: 'usr_2ZaVKh5QwjlPsy1ImKc6GY2Xbsc', aud: AUDIENCE, email: 'chris@example.com', name: 'Chris' });
  const read = await http.agent.get(path).set(bearer(token));
  expect(read.status).toBe(200);
  expect(await principalOf(read)).toEqual({ type: 'CF::User', id: 'usr_2ZaVKh5QwjlPsy1ImKc6GY2Xbsc' });
  const write = await http.agent.post(path).set(bearer(token)).send(validIntegration());
  expect(write.status).toBe(403);
});

test.each([
  ['signed by an issuer that is not trusted', async () => untrusted.mint({ sub: 'x', aud: AUDIENCE, cf_role: 'admin' })],
  ['claiming the trusted issuer but signed with another key', async () => untrusted.mint({ sub: 'x', aud: AUDIENCE, cf_role: 'admin' }, { issuer: issuer.url })],
  ['expired', async () => issuer.mint({ sub: 'x', aud: AUDIENCE, cf_role: 'admin' }, { expiresIn: Math.floor(Date.now() / 1000) - 60 })],
  ['for another audience', async () => issuer.mint({ sub: 'x', aud: 'https://elsewhere.example.com', cf_role: 'admin' })],
  ['with its signature altered', async () => {
    const token = await issuer.mint({ sub: 'x', aud: AUDIENCE, cf_role: 'admin' });
    const [h, p, sig] = token.split('.');
    return `${h}.${p}.${sig.slice(0, -4)}${sig.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
  }],
  ['with a forged role claim', async () => {
    const token = await issuer.mint({ sub: 'x', aud: AUDIENCE });
    const [h, , sig] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ sub: 'x', aud: AUDIENCE, iss: issuer.url, cf_role: 'admin', exp: 9999999999 })).toString('base64url');
    return `${h}.${forged}.${sig}`;
  }],
])('a token %s is 401', async (_label, make) => {
  const res = await http.agent.post(path).set(bearer(await make())).send(validIntegration());
  expect(res.status).toBe(401);
  expect(res.headers['content-type']).toMatch(/problem\+json/);
});
