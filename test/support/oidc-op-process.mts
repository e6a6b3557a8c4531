/**
 * A real, OpenID Certified authorization server (`oidc-provider` from npm) for tests, run as a child process:
 * the package is ESM-only and jest loads our tests as CommonJS, so test/support/oidc-op.ts starts this file
 * with `node --import tsx` and talks to it over HTTP on loopback like any client would.
 *
 * Configuration arrives as JSON in CF_TEST_OP_CONFIG (see OpConfig in oidc-op.ts). Once listening it prints
 * one line `@op {"ready":"<issuer>"}` on stdout; after that one line per request it answered
 * (`@op {"request":{...}}`), so the parent can count token and introspection calls and see the errors it sent.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { errors, type ClientMetadata, type Configuration } from 'oidc-provider';
import type { OpConfig } from './oidc-op.js';

const config = JSON.parse(process.env.CF_TEST_OP_CONFIG ?? '{}') as OpConfig;
// oidc-provider prints its own notices on stdout too: our lines carry a marker.
const emit = (line: unknown) => process.stdout.write(`@op ${JSON.stringify(line)}\n`);

const server = createServer();
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const clientsById = new Map(config.clients.map((c) => [c.client_id, c]));

const configuration: Configuration = {
  clients: config.clients.map(
    (c): ClientMetadata => ({
      client_id: c.client_id,
      client_secret: c.client_secret,
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
      token_endpoint_auth_method: c.token_endpoint_auth_method ?? 'client_secret_basic',
      ...(c.scope ? { scope: c.scope } : {}),
    }),
  ),
  jwks: config.jwks,
  clientAuthMethods: config.clientAuthMethods ?? ['client_secret_basic', 'client_secret_post'],
  cookies: { keys: ['test-cookie-key-not-a-secret'] },
  scopes: ['openid', ...(config.scopes ?? [])],
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    // Any client of this OP may introspect any token (the API's own client does).
    introspection: { enabled: true, allowedPolicy: async () => true },
    resourceIndicators: {
      enabled: true,
      defaultResource: async (_ctx, _client, oneOf) => oneOf ?? config.defaultResource,
      useGrantedResource: async () => true,
      getResourceServerInfo: async (_ctx, indicator) => {
        const server = config.resourceServers?.[indicator];
        if (!server) throw new errors.InvalidTarget();
        return {
          scope: server.scope,
          audience: indicator,
          accessTokenFormat: server.format ?? 'jwt',
          ...(server.ttl ? { accessTokenTTL: server.ttl } : {}),
          jwt: { sign: { alg: 'RS256' } },
        };
      },
    },
  },
  extraTokenClaims: async (_ctx, token) => clientsById.get(String(token.clientId))?.extra_claims,
  ttl: {
    ClientCredentials: (_ctx, token, client) =>
      token.resourceServer?.accessTokenTTL ?? clientsById.get(client.clientId)?.ttl ?? 600,
  },
};

const provider = new Provider(issuer, configuration);
provider.use(async (ctx, next) => {
  await next();
  const body = ctx.body as Record<string, unknown> | undefined;
  emit({
    request: {
      method: ctx.method,
      path: ctx.path,
      status: ctx.status,
      client_id: ctx.oidc?.client?.clientId,
      error: typeof body?.error === 'string' ? body.error : undefined,
      authorization: ctx.get('authorization') ? ctx.get('authorization').split(' ')[0] : undefined,
      // Parameter names and the non-secret values a test may check; never the credentials.
      form: formFields((ctx.oidc as { body?: Record<string, unknown> } | undefined)?.body),
    },
  });
});
function formFields(body: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!body) return undefined;
  const shown: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) shown[k] = k === 'client_secret' || k === 'token' ? '(hidden)' : v;
  return shown;
}

server.on('request', provider.callback());
emit({ ready: issuer });

process.on('SIGTERM', () => server.close(() => process.exit(0)));
