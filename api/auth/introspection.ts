/**
 * RFC 7662 token introspection for opaque access tokens (CF_OIDC_INTROSPECTION_URL): the identity provider is
 * asked whether a token is active and what it carries, authenticating as the API's own client
 * (client_secret_basic, the method RFC 7662 section 2.1 names first).
 *
 * Results are cached by the token's SHA-256, never the token itself:
 * - an active token for at most `cacheSeconds` and never past its own `exp` (a token without `exp` is not
 *   cached), so a revocation at the identity provider takes effect within `cacheSeconds`;
 * - an inactive one for at most 5 s, enough to absorb a retry storm of one bad token without hiding a token
 *   that the provider had not yet replicated when first asked.
 * Concurrent calls with the same token share one request. The cache holds at most MAX_ENTRIES results and
 * evicts the oldest first.
 */
import { createHash } from 'node:crypto';
import type { Claims } from './token-claims';
import { identityProviderUnavailable } from './problems';

export interface IntrospectionOptions {
  url: URL;
  clientId: string;
  clientSecret: string;
  /** Longest reuse of an active result, in seconds; 0 disables caching. Default 60. */
  cacheSeconds?: number;
  /** Timeout of one introspection request, in milliseconds. Default 5000. */
  timeoutMs?: number;
}

const MAX_ENTRIES = 10_000;
const NEGATIVE_CACHE_MS = 5000;

interface Entry {
  claims: Claims | null;
  expires: number;
}

export class Introspector {
  private readonly cache = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<Claims | null>>();
  private readonly authorization: string;
  private readonly cacheMs: number;
  /** Requests answered by the identity provider so far. */
  requests = 0;

  constructor(private readonly options: IntrospectionOptions) {
    // RFC 6749 section 2.3.1: the id and secret are form-encoded before they are joined and base64-encoded.
    const form = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
    this.authorization = `Basic ${Buffer.from(`${form(options.clientId)}:${form(options.clientSecret)}`).toString('base64')}`;
    this.cacheMs = (options.cacheSeconds ?? 60) * 1000;
  }

  /** The token's claims when the identity provider says it is active, null when it is not; 503 when it cannot say. */
  async introspect(token: string): Promise<Claims | null> {
    const key = createHash('sha256').update(token).digest('hex');
    const now = Date.now();
    const hit = this.cache.get(key);
    if (hit && hit.expires > now) return hit.claims;
    if (hit) this.cache.delete(key);
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.ask(token).then((claims) => {
        this.remember(key, claims);
        return claims;
      });
      pending.finally(() => this.inFlight.delete(key)).catch(() => undefined);
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  private remember(key: string, claims: Claims | null): void {
    const now = Date.now();
    let expires: number;
    if (claims) {
      if (typeof claims.exp !== 'number') return;
      expires = Math.min(now + this.cacheMs, claims.exp * 1000);
    } else {
      expires = now + Math.min(this.cacheMs, NEGATIVE_CACHE_MS);
    }
    if (expires <= now) return;
    if (this.cache.size >= MAX_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, { claims, expires });
  }

  private async ask(token: string): Promise<Claims | null> {
    const where = `${this.options.url.origin}${this.options.url.pathname}`;
    let res: Response;
    try {
      res = await fetch(this.options.url, {
        method: 'POST',
        headers: {
          authorization: this.authorization,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000),
        redirect: 'error',
      });
    } catch (err) {
      throw identityProviderUnavailable(`Token introspection at ${where} failed (${(err as Error).message}).`);
    }
    this.requests++;
    let body: Record<string, unknown> | undefined;
    try {
      body = (await res.json()) as Record<string, unknown>;
    } catch {
      body = undefined;
    }
    if (res.status !== 200 || !body || typeof body.active !== 'boolean') {
      // The OAuth2 error code (e.g. invalid_client: CF_OIDC_INTROSPECTION_CLIENT_* are wrong) is safe to show.
      const code = typeof body?.error === 'string' ? `: ${body.error}` : '';
      throw identityProviderUnavailable(`Token introspection at ${where} answered HTTP ${res.status}${code}.`);
    }
    if (!body.active) return null;
    // RFC 7662 section 4: a token past its exp is not active, whatever a lagging provider says.
    if (typeof body.exp === 'number' && body.exp * 1000 <= Date.now()) return null;
    return body;
  }
}
