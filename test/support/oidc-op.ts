/**
 * The identity provider in tests: `oidc-provider`, an OpenID Certified implementation, on loopback. Identity
 * providers are outside the product; this is a real one, not a stand-in. It runs in a child process
 * (oidc-op-process.mts: the package is ESM-only) and reports each request it answered, so tests can count
 * token requests and introspections and read the parameters a client sent.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';

export interface OpClient {
  client_id: string;
  client_secret: string;
  /** Scopes the client may request, space-separated. */
  scope?: string;
  /** How the client must authenticate at the token endpoint. Default client_secret_basic. */
  token_endpoint_auth_method?: 'client_secret_basic' | 'client_secret_post';
  /** Claims added to the client's access tokens (JWT payload, or the introspection response of opaque ones). */
  extra_claims?: Record<string, unknown>;
  /** Lifetime of the client's access tokens without a resource server, in seconds. Default 600. */
  ttl?: number;
}

export interface OpResourceServer {
  /** Scopes this resource server accepts, space-separated. */
  scope: string;
  /** Default jwt. */
  format?: 'jwt' | 'opaque';
  /** Access token lifetime in seconds. */
  ttl?: number;
}

export interface OpConfig {
  clients: OpClient[];
  /** Resource indicators (RFC 8707) the OP knows, each its access tokens' `aud`. */
  resourceServers?: Record<string, OpResourceServer>;
  /** Resource used when a token request names none; unset: such tokens are opaque (the OP's default). */
  defaultResource?: string;
  /** Scopes beyond `openid`. */
  scopes?: string[];
  /** Token endpoint authentication methods advertised in discovery. Default basic and post. */
  clientAuthMethods?: Array<'client_secret_basic' | 'client_secret_post'>;
  jwks: { keys: JWK[] };
}

export interface OpRequest {
  method: string;
  path: string;
  status: number;
  client_id?: string;
  /** The OAuth2 error code the OP answered with. */
  error?: string;
  /** The Authorization header's scheme, if one was sent. */
  authorization?: string;
  /** The form fields of a POST (secrets hidden). */
  form?: Record<string, string>;
}

export interface TestOp {
  issuer: string;
  /** Every request answered so far, oldest first. */
  readonly requests: readonly OpRequest[];
  tokenRequests(): OpRequest[];
  introspections(): OpRequest[];
  /** A client-credentials token request, as any OAuth2 client sends it (client_secret_basic). */
  clientCredentials(clientId: string, secret: string, params?: Record<string, string>): Promise<{ status: number; body: any }>;
  /**
   * Signs claims with the OP's own signing key (its JWKS publishes the public half), for token shapes this OP
   * refuses to issue — e.g. Cognito's access tokens, which have no `aud` (oidc-provider insists on one).
   * `iss` defaults to this OP; `exp` to ten minutes from now.
   */
  sign(claims: JWTPayload, options?: { header?: Record<string, unknown> }): Promise<string>;
  close(): Promise<void>;
}

const ROOT = resolve(__dirname, '../..');
const KID = 'op-signing-key';

export async function startOp(config: Omit<OpConfig, 'jwks'>): Promise<TestOp> {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  void publicKey;
  const jwk = { ...(await exportJWK(privateKey)), kid: KID, alg: 'RS256', use: 'sig' };
  const full: OpConfig = { ...config, jwks: { keys: [jwk] } };
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', resolve(__dirname, 'oidc-op-process.mts')], {
    cwd: ROOT,
    env: { ...process.env, CF_TEST_OP_CONFIG: JSON.stringify(full), DEBUG: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const requests: OpRequest[] = [];
  let stderr = '';
  let buffered = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));

  const issuer = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`oidc-provider did not start in 30 s:\n${stderr}`)), 30_000);
    void exited.then(() => {
      clearTimeout(timer);
      fail(new Error(`oidc-provider exited before it was ready:\n${stderr}`));
    });
    child.stdout!.on('data', (c: Buffer) => {
      buffered += c.toString();
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const raw = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (!raw.startsWith('@op ')) continue; // oidc-provider's own notices
        const line = JSON.parse(raw.slice(4));
        if (line.ready) {
          clearTimeout(timer);
          ok(line.ready);
        } else if (line.request) requests.push(line.request);
      }
    });
  });

  return {
    issuer,
    requests,
    tokenRequests: () => requests.filter((r) => r.path === '/token'),
    introspections: () => requests.filter((r) => r.path === '/token/introspection'),
    async clientCredentials(clientId, secret, params = {}) {
      const res = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ grant_type: 'client_credentials', ...params }).toString(),
      });
      return { status: res.status, body: await res.json() };
    },
    sign: (claims, options = {}) =>
      new SignJWT({ iss: issuer, iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 600, ...claims })
        .setProtectedHeader({ alg: 'RS256', kid: KID, ...options.header })
        .sign(privateKey),
    async close() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
