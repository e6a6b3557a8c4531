/**
 * A small stand-in OIDC issuer for tests. Identity providers are outside the product, so a fake is allowed for
 * them: it serves discovery and a JWKS, mints ES256 access tokens directly (`mint`), and answers OAuth2 client
 * credentials at its token endpoint (client_secret_basic) for the registered client.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';

export interface FakeIssuer {
  url: string;
  tokensIssued: number;
  /** Signs a token with this issuer's key; `expiresIn` like '10m' or a past epoch second. */
  mint(claims: JWTPayload & { sub: string }, options?: { expiresIn?: string | number; issuer?: string }): Promise<string>;
  close(): Promise<void>;
}

export async function startFakeIssuer(client?: { id: string; secret: string; claims?: JWTPayload }): Promise<FakeIssuer> {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'test-key', alg: 'ES256', use: 'sig' };
  const state = { url: '', tokensIssued: 0 };
  const mint: FakeIssuer['mint'] = ({ sub, ...claims }, options = {}) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid: 'test-key' })
      .setIssuer(options.issuer ?? state.url)
      .setSubject(sub)
      .setIssuedAt()
      .setExpirationTime(options.expiresIn ?? '10m')
      .sign(privateKey);

  const server: Server = createServer((req, res) => {
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'GET' && req.url === '/.well-known/openid-configuration') {
      return json(200, { issuer: state.url, token_endpoint: `${state.url}/oauth2/token`, jwks_uri: `${state.url}/jwks.json` });
    }
    if (req.method === 'GET' && req.url === '/jwks.json') return json(200, { keys: [jwk] });
    if (req.method === 'POST' && req.url === '/oauth2/token' && client) {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', async () => {
        const expected = 'Basic ' + Buffer.from(`${client.id}:${client.secret}`).toString('base64');
        const form = new URLSearchParams(body);
        if (req.headers.authorization !== expected) return json(401, { error: 'invalid_client' });
        if (form.get('grant_type') !== 'client_credentials') return json(400, { error: 'unsupported_grant_type' });
        state.tokensIssued++;
        json(200, { access_token: await mint({ ...client.claims, sub: client.id }), token_type: 'Bearer', expires_in: 600 });
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
    mint,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
