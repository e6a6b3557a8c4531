import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { hashSecret, type Role } from './api-keys';
import type { Principal } from './principal';
import { AppError, unauthenticated } from '../errors';
import { Introspector, type IntrospectionOptions } from './introspection';
import { JwtVerifier, looksLikeJwe, looksLikeJwt } from './jwt-verifier';
import { invalidToken } from './problems';
import { principalFromClaims, type TokenPolicy } from './token-claims';

export interface AuthenticatorOptions {
  pool: Pool;
  /** OIDC issuers whose JWT access tokens are accepted (JWKS from each issuer's discovery document). */
  oidcIssuers: string[];
  /** Whom tokens must be for and how their roles are read (CF_OIDC_AUDIENCE, …_CLIENT_IDS, …_ROLE_CLAIM, …_ADMIN_SCOPES). */
  tokenPolicy?: Partial<TokenPolicy>;
  /** RFC 7662 introspection for opaque access tokens; unset: opaque tokens are refused. */
  introspection?: IntrospectionOptions;
  /** How long a verified API key is trusted without asking the database again. Default 5000 ms. */
  cacheTtlMs?: number;
  /** Where an identity provider that cannot be asked is reported (the caller only sees a 503). */
  log?: Logger;
}

interface CachedKey {
  principal: Principal | null;
  expires: number;
}

/** Keys this service generates start so (api-keys.ts); a credential with it is never sent to the identity provider. */
const API_KEY_PREFIX = 'cfk_';

/**
 * Resolves `Authorization: Bearer <credential>` to a principal:
 * - a JWT, when issuers are trusted: verified against its issuer's JWKS (jwt-verifier.ts);
 * - otherwise an API key (looked up by SHA-256, cached briefly; revocation is also pushed to every instance with
 *   NOTIFY api_keys_changed);
 * - failing that, an opaque access token, when introspection is configured (introspection.ts).
 * Token claims become a principal in token-claims.ts. Every refusal is a 401 whose detail says why.
 */
export class Authenticator {
  private readonly cache = new Map<string, CachedKey>();
  private readonly ttl: number;
  private readonly jwt: JwtVerifier;
  private readonly introspector?: Introspector;
  private readonly policy: TokenPolicy;

  constructor(private readonly options: AuthenticatorOptions) {
    this.ttl = options.cacheTtlMs ?? 5000;
    this.jwt = new JwtVerifier(options.oidcIssuers);
    this.introspector = options.introspection ? new Introspector(options.introspection) : undefined;
    this.policy = { audiences: [], clientIds: [], roleClaim: 'cf_role', adminScopes: [], ...options.tokenPolicy };
  }

  /** Forget every cached key (after a revocation). */
  invalidate(): void {
    this.cache.clear();
  }

  async authenticate(header: string | undefined): Promise<Principal> {
    if (!header) throw unauthenticated('Send an API key or access token as "Authorization: Bearer <credential>".');
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw unauthenticated('The Authorization header must use the Bearer scheme.');
    try {
      return await this.resolve(match[1]);
    } catch (err) {
      if (err instanceof AppError && err.kind === 'unavailable') this.options.log?.warn({ detail: err.detail }, 'identity provider unavailable');
      throw err;
    }
  }

  private async resolve(credential: string): Promise<Principal> {
    if (this.jwt.enabled && looksLikeJwt(credential)) {
      const { claims, issuer } = await this.jwt.verify(credential);
      return principalFromClaims(claims, this.policy, issuer);
    }
    const principal = await this.fromApiKey(credential);
    if (principal) return principal;
    if (credential.startsWith(API_KEY_PREFIX)) throw unauthenticated('The API key is not valid or has been revoked.');
    if (this.introspector) return this.fromIntrospection(credential);
    throw unauthenticated(this.whyRefused(credential));
  }

  private async fromIntrospection(token: string): Promise<Principal> {
    const claims = await this.introspector!.introspect(token);
    if (!claims) throw invalidToken('The identity provider reports the access token as not active (expired, revoked or unknown).');
    const iss = typeof claims.iss === 'string' ? claims.iss : undefined;
    if (iss && this.jwt.enabled && !this.jwt.trusted(iss)) {
      throw invalidToken(`The access token's issuer ${JSON.stringify(iss)} is not trusted by this API (CF_OIDC_ISSUERS).`);
    }
    return principalFromClaims(claims, this.policy, iss ?? this.options.introspection!.url.origin);
  }

  /** The 401 detail for a credential that is no API key and that nothing configured here can check. */
  private whyRefused(credential: string): string {
    if (looksLikeJwt(credential)) {
      return 'The credential is a JWT, but this API trusts no OIDC issuer (CF_OIDC_ISSUERS), so it accepts only API keys.';
    }
    if (looksLikeJwe(credential)) {
      return 'The credential is an encrypted token (JWE), which this API cannot read. Identity providers issue these when the token request names no audience (Auth0 does): set oidc_audience so the token is a signed JWT for this API.';
    }
    return 'The credential is neither a valid API key nor a JWT access token. If it is an opaque OAuth2 access token, this API cannot verify it: token introspection (CF_OIDC_INTROSPECTION_URL) is not configured. Request a JWT access token instead (most identity providers issue one when the request names this API with oidc_audience or oidc_scopes), or configure introspection.';
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
}
