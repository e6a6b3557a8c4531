import type { Pool } from 'pg';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { hashSecret, type Role } from './api-keys';
import type { Principal } from './principal';
import { unauthenticated } from '../errors';

export interface AuthenticatorOptions {
  pool: Pool;
  /** OIDC issuers whose access tokens are accepted (JWKS from each issuer's discovery document). */
  oidcIssuers: string[];
  /** Required `aud` of access tokens, if set. */
  oidcAudience?: string;
  /** How long a verified API key is trusted without asking the database again. Default 5000 ms. */
  cacheTtlMs?: number;
}

interface CachedKey {
  principal: Principal | null;
  expires: number;
}

/**
 * Resolves `Authorization: Bearer <credential>` to a principal: an API key (looked up by SHA-256, cached
 * briefly; revocation is also pushed to every instance with NOTIFY api_keys_changed) or an OIDC access token
 * (a JWT verified against its issuer's JWKS; role from the `cf_role` claim, default read_only).
 */
export class Authenticator {
  private readonly cache = new Map<string, CachedKey>();
  private readonly jwks = new Map<string, ReturnType<typeof createRemoteJWKSet>>();
  private readonly ttl: number;

  constructor(private readonly options: AuthenticatorOptions) {
    this.ttl = options.cacheTtlMs ?? 5000;
  }

  /** Forget every cached key (after a revocation). */
  invalidate(): void {
    this.cache.clear();
  }

  async authenticate(header: string | undefined): Promise<Principal> {
    if (!header) throw unauthenticated('Send an API key or access token as "Authorization: Bearer <credential>".');
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw unauthenticated('The Authorization header must use the Bearer scheme.');
    const credential = match[1];
    if (credential.split('.').length === 3 && this.options.oidcIssuers.length > 0) {
      return this.fromAccessToken(credential);
    }
    const principal = await this.fromApiKey(credential);
    if (!principal) throw unauthenticated('The credential is not a valid API key or access token.');
    return principal;
  }

  private async fromApiKey(secret: string): Promise<Principal | null> {
    const hash = hashSecret(secret);
    const now = Date.now();
    const cached = this.cache.get(hash);
    if (cached && cached.expires > now) return cached.principal;
    const { rows } = await this.options.pool.query<{ id: string; name: string; role: Role }>(
      'SELECT id, name, role FROM api_keys WHERE secret_hash = $1 AND revoked_at IS NULL',
      [hash],
    );
    const row = rows[0];
    const principal: Principal | null = row
      ? {
          type: 'CF::Service',
          id: row.id,
          role: row.role,
          name: row.name,
          email: '',
          identityChain: [{ id: { type: 'CF::APIKey', id: row.id } }, { id: { type: 'CF::Service', id: row.id } }],
        }
      : null;
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(hash, { principal, expires: now + this.ttl });
    return principal;
  }

  private async fromAccessToken(token: string): Promise<Principal> {
    let payload: JWTPayload;
    try {
      const unverified = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as JWTPayload;
      const issuer = this.options.oidcIssuers.find((i) => i.replace(/\/$/, '') === String(unverified.iss).replace(/\/$/, ''));
      if (!issuer) throw new Error('issuer not trusted');
      ({ payload } = await jwtVerify(token, await this.keySet(issuer), {
        issuer: unverified.iss,
        ...(this.options.oidcAudience ? { audience: this.options.oidcAudience } : {}),
      }));
    } catch {
      throw unauthenticated('The access token is invalid, expired or from an untrusted issuer.');
    }
    if (!payload.sub) throw unauthenticated('The access token has no subject.');
    const role: Role = payload.cf_role === 'admin' ? 'admin' : 'read_only';
    const isUser = typeof payload.email === 'string';
    const subject = `${payload.iss}/${payload.sub}`;
    return {
      type: isUser ? 'CF::User' : 'CF::Service',
      id: payload.sub,
      role,
      name: typeof payload.name === 'string' ? payload.name : payload.sub,
      email: typeof payload.email === 'string' ? payload.email : '',
      identityChain: [
        { id: { type: 'OIDC::Token', id: `${payload.iss}/${payload.jti ?? payload.sub}` } },
        { id: { type: 'OIDC::Subject', id: subject } },
        { id: { type: isUser ? 'CF::User' : 'CF::Service', id: payload.sub } },
      ],
    };
  }

  private async keySet(issuer: string) {
    let set = this.jwks.get(issuer);
    if (!set) {
      const res = await fetch(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`);
      if (!res.ok) throw new Error(`discovery failed: ${res.status}`);
      const doc = (await res.json()) as { jwks_uri?: string };
      if (!doc.jwks_uri) throw new Error('discovery document has no jwks_uri');
      set = createRemoteJWKSet(new URL(doc.jwks_uri));
      this.jwks.set(issuer, set);
    }
    return set;
  }
}
