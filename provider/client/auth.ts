/**
 * Where the bearer token for API calls comes from: a static API key, or an OAuth2 client-credentials
 * exchange with an OIDC issuer (the token endpoint is discovered from the issuer's
 * /.well-known/openid-configuration). Tokens are fetched lazily on first use, shared by concurrent calls,
 * and refreshed shortly before they expire.
 */
import { DiagnosticError } from '../protocol';
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
}

const OIDC_SETTINGS = 'oidc_issuer, oidc_client_id and oidc_client_secret (or CF_OIDC_ISSUER, CF_OIDC_CLIENT_ID, CF_OIDC_CLIENT_SECRET)';

function oidcFailure(summary: string, detail: string): DiagnosticError {
  return new DiagnosticError([{ severity: 'error', summary, detail: `${detail}\n\nCheck ${OIDC_SETTINGS}.` }]);
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
    throw oidcFailure('Could not reach the OIDC issuer', `Requesting ${url.origin}${url.pathname} failed: ${reason}.`);
  }
}

export function oidcTokenSource(settings: OidcSettings): TokenSource {
  let cached: { token: string; expiresAt: number } | undefined;
  let pending: Promise<string> | undefined;

  async function fetchToken(signal?: AbortSignal): Promise<string> {
    const discoveryUrl = new URL(settings.issuer.replace(/\/+$/, '') + '/.well-known/openid-configuration');
    const discovery = await getJson(discoveryUrl, { method: 'GET', url: discoveryUrl, signal });
    const endpoint = discovery.json?.token_endpoint;
    if (discovery.status !== 200 || typeof endpoint !== 'string') {
      throw oidcFailure(
        'OIDC discovery failed',
        `${discoveryUrl} answered HTTP ${discovery.status} without a token_endpoint. Is oidc_issuer the issuer URL (without /.well-known/...)?`,
      );
    }
    const tokenUrl = new URL(endpoint);
    // client_secret_basic: the method every OAuth2 server must support (RFC 6749 section 2.3.1).
    const basic = Buffer.from(
      `${encodeURIComponent(settings.clientId)}:${encodeURIComponent(settings.clientSecret)}`,
    ).toString('base64');
    const res = await getJson(tokenUrl, {
      method: 'POST',
      url: tokenUrl,
      signal,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
        authorization: `Basic ${basic}`,
      },
      body: new URLSearchParams({ grant_type: 'client_credentials' }).toString(),
    });
    const token = res.json?.access_token;
    if (res.status !== 200 || typeof token !== 'string') {
      // The server's error code (e.g. invalid_client) is safe to show; the secret never is.
      const code = typeof res.json?.error === 'string' ? ` (${res.json.error})` : '';
      throw oidcFailure(
        'OIDC token request failed',
        `The token endpoint ${tokenUrl.origin}${tokenUrl.pathname} refused the client credentials: HTTP ${res.status}${code}.`,
      );
    }
    const lifetime = typeof res.json.expires_in === 'number' ? res.json.expires_in : 300;
    // Refresh a minute early (or at half-life for short tokens) so a token never expires mid-request.
    cached = { token, expiresAt: Date.now() + Math.max(lifetime * 500, (lifetime - 60) * 1000) };
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
