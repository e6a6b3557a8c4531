/**
 * Where the bearer token for API calls comes from: a static API key, or an OAuth2 client-credentials
 * exchange with an OIDC issuer (the token endpoint is discovered from the issuer's
 * /.well-known/openid-configuration). Tokens are fetched lazily on first use, shared by concurrent calls,
 * and refreshed shortly before they expire (and once more if the API refuses one early).
 *
 * The token request carries what the common identity providers need to issue a JWT for this API: `scope`
 * (Okta and Entra ID require one) and the API's identifier both as Auth0's `audience` and as the RFC 8707
 * `resource` parameter. Servers ignore parameters they do not know (RFC 6749 section 3.2).
 */
import { DiagnosticError, type Logger } from '../protocol';
import { redact } from './errors';
import { send, TransportError } from './http';

export interface TokenSource {
  /** Returns a bearer token; throws DiagnosticError naming the settings to fix. */
  token(signal?: AbortSignal): Promise<string>;
  /** Forget a cached token (after the API answered 401 to it). */
  invalidate(): void;
  /** Which settings produced the credentials, for error messages. */
  readonly describe: string;
}

export function apiKeyTokenSource(apiKey: string): TokenSource {
  return {
    token: async () => apiKey,
    invalidate: () => {},
    describe: 'api_key (or CF_API_KEY)',
  };
}

export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Sent as `scope`, space-separated; omitted when empty. */
  scopes?: readonly string[];
  /** Sent as `audience` and `resource`; omitted when unset. */
  audience?: string;
}

const OIDC_SETTINGS = 'oidc_issuer, oidc_client_id and oidc_client_secret (or CF_OIDC_ISSUER, CF_OIDC_CLIENT_ID, CF_OIDC_CLIENT_SECRET)';

/** What to check for each OAuth2 error code (RFC 6749 section 5.2, RFC 8707 section 2). */
const ERROR_HINTS: Record<string, string> = {
  invalid_client: 'Check oidc_client_id and oidc_client_secret (or CF_OIDC_CLIENT_ID, CF_OIDC_CLIENT_SECRET).',
  invalid_scope:
    'Check oidc_scopes (or CF_OIDC_SCOPES): the client must be allowed every scope it asks for. Okta needs at least one custom scope; Entra ID wants "<application ID URI>/.default".',
  invalid_target: 'Check oidc_audience (or CF_OIDC_AUDIENCE): the identity provider does not know that API or resource.',
  access_denied: 'Check oidc_audience (or CF_OIDC_AUDIENCE): the client may not be authorized for that API (Auth0 asks for a client grant).',
  unauthorized_client: 'The client may not use the client-credentials grant: allow it for this client at the identity provider.',
  unsupported_grant_type: 'The identity provider does not offer the client-credentials grant here.',
};

function failure(summary: string, detail: string): DiagnosticError {
  return new DiagnosticError([{ severity: 'error', summary, detail }]);
}

/** Text from the identity provider, made safe to show: one line, bounded, without the secret. */
function fromServer(value: unknown, secret: string): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  // eslint-disable-next-line no-control-regex
  const line = value.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return redact(line.length > 300 ? `${line.slice(0, 300)}…` : line, [secret]);
}

async function getJson(url: URL, init: Parameters<typeof send>[0]): Promise<{ status: number; json: any }> {
  try {
    const res = await send(init);
    let json: any;
    try {
      json = JSON.parse(res.body);
    } catch {
      json = undefined;
    }
    return { status: res.status, json };
  } catch (err) {
    const reason = err instanceof TransportError ? err.message : String(err);
    throw failure('Could not reach the OIDC issuer', `Requesting ${url.origin}${url.pathname} failed: ${reason}.\n\nCheck ${OIDC_SETTINGS}.`);
  }
}

type ClientAuth = 'client_secret_basic' | 'client_secret_post';

/**
 * client_secret_basic unless discovery lists methods without it and with client_secret_post. An absent list
 * means client_secret_basic (OpenID Connect Discovery 1.0 section 3).
 */
function chooseClientAuth(supported: unknown): ClientAuth | undefined {
  if (!Array.isArray(supported) || supported.includes('client_secret_basic')) return 'client_secret_basic';
  return supported.includes('client_secret_post') ? 'client_secret_post' : undefined;
}

/** RFC 6749 section 2.3.1: the id and secret are form-encoded before they are joined and base64-encoded. */
function basicCredentials(id: string, secret: string): string {
  const form = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
  return Buffer.from(`${form(id)}:${form(secret)}`).toString('base64');
}

export function oidcTokenSource(settings: OidcSettings, log?: Logger): TokenSource {
  let cached: { token: string; expiresAt: number } | undefined;
  let pending: Promise<string> | undefined;
  let endpoint: { url: URL; auth: ClientAuth } | undefined;

  async function discover(signal?: AbortSignal): Promise<{ url: URL; auth: ClientAuth }> {
    const discoveryUrl = new URL(settings.issuer.replace(/\/+$/, '') + '/.well-known/openid-configuration');
    const discovery = await getJson(discoveryUrl, { method: 'GET', url: discoveryUrl, signal });
    const tokenEndpoint = discovery.json?.token_endpoint;
    if (discovery.status !== 200 || typeof tokenEndpoint !== 'string' || !URL.canParse(tokenEndpoint)) {
      throw failure(
        'OIDC discovery failed',
        `${discoveryUrl} answered HTTP ${discovery.status} without a token_endpoint. Is oidc_issuer (or CF_OIDC_ISSUER) the issuer URL, without /.well-known/…?`,
      );
    }
    const supported = discovery.json.token_endpoint_auth_methods_supported;
    const auth = chooseClientAuth(supported);
    if (!auth) {
      throw failure(
        'No supported client authentication',
        `The issuer's token endpoint accepts only ${JSON.stringify(supported)}; this provider authenticates with client_secret_basic or client_secret_post.`,
      );
    }
    return { url: new URL(tokenEndpoint), auth };
  }

  async function fetchToken(signal?: AbortSignal): Promise<string> {
    endpoint ??= await discover(signal);
    const { url, auth } = endpoint;
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (settings.scopes?.length) form.set('scope', settings.scopes.join(' '));
    if (settings.audience) {
      form.set('audience', settings.audience);
      form.set('resource', settings.audience);
    }
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
    if (auth === 'client_secret_basic') {
      headers.authorization = `Basic ${basicCredentials(settings.clientId, settings.clientSecret)}`;
    } else {
      form.set('client_id', settings.clientId);
      form.set('client_secret', settings.clientSecret);
    }
    const res = await getJson(url, { method: 'POST', url, signal, headers, body: form.toString() });
    const token = res.json?.access_token;
    if (res.status !== 200 || typeof token !== 'string' || token === '') {
      // The server's error code and description are safe to show; the secret never is.
      const code = fromServer(res.json?.error, settings.clientSecret);
      const description = fromServer(res.json?.error_description, settings.clientSecret);
      const uri = fromServer(res.json?.error_uri, settings.clientSecret);
      const said = code ? `: ${code}${description ? ` (${description})` : ''}` : '';
      throw failure(
        'OIDC token request failed',
        `The token endpoint ${url.origin}${url.pathname} refused the client-credentials request with HTTP ${res.status}${said}.` +
          (uri ? ` See ${uri}.` : '') +
          `\n\n${(code && ERROR_HINTS[code]) || `Check ${OIDC_SETTINGS}, oidc_scopes and oidc_audience.`}`,
      );
    }
    const lifetime = typeof res.json.expires_in === 'number' && res.json.expires_in > 0 ? res.json.expires_in : 300;
    // Refresh a minute early (or at half-life for short tokens) so a token never expires mid-request.
    cached = { token, expiresAt: Date.now() + Math.max(lifetime * 500, (lifetime - 60) * 1000) };
    log?.log('DEBUG', 'OIDC access token obtained', { token_endpoint: `${url.origin}${url.pathname}`, client_auth: auth, expires_in: lifetime });
    return token;
  }

  return {
    describe: OIDC_SETTINGS,
    invalidate: () => {
      cached = undefined;
    },
    token(signal) {
      if (cached && cached.expiresAt > Date.now()) return Promise.resolve(cached.token);
      pending ??= fetchToken(signal).finally(() => {
        pending = undefined;
      });
      return pending;
    },
  };
}
