/**
 * What an access token's claims mean to this API, whether they came from a verified JWT or from an
 * introspection response: is the token for us (audience or client id), who is calling, and in which role.
 * Identity providers disagree on the claim names (see README "Authentication"); this is the one place that
 * knows them.
 */
import type { Role } from './api-keys';
import type { Principal } from './principal';
import { invalidToken } from './problems';

/** How the API judges access tokens (CF_OIDC_* settings). */
export interface TokenPolicy {
  /** CF_OIDC_AUDIENCE: a token with an `aud` must name one of these. */
  audiences: readonly string[];
  /** CF_OIDC_CLIENT_IDS: a token without an `aud` must come from one of these clients. */
  clientIds: readonly string[];
  /** CF_OIDC_ROLE_CLAIM: the claim whose value `admin` makes an admin. Default `cf_role`. */
  roleClaim: string;
  /** CF_OIDC_ADMIN_SCOPES: any of these scopes makes an admin. */
  adminScopes: readonly string[];
}

export type Claims = Record<string, unknown>;

/**
 * The client the token was issued to. RFC 9068 and Cognito say `client_id`; Auth0, Keycloak and Entra ID v2
 * `azp`; Okta `cid`; Entra ID v1 `appid`.
 */
export function clientIdOf(claims: Claims): string | undefined {
  for (const name of ['client_id', 'azp', 'cid', 'appid']) {
    const v = claims[name];
    if (typeof v === 'string' && v !== '') return v;
  }
  return undefined;
}

/** Granted scopes: `scope` (RFC 8693/9068, a space-separated string) or `scp` (Okta's list, Entra's string). */
export function scopesOf(claims: Claims): string[] {
  const out: string[] = [];
  for (const name of ['scope', 'scp']) {
    const v = claims[name];
    if (typeof v === 'string') out.push(...v.split(' ').filter(Boolean));
    else if (Array.isArray(v)) out.push(...v.filter((x): x is string => typeof x === 'string'));
  }
  return out;
}

/**
 * The value of the role claim: the claim of exactly that name first (Auth0 namespaces custom claims as URLs,
 * which contain dots), otherwise a dotted path into nested objects (Keycloak's `realm_access.roles`).
 */
export function claimValue(claims: Claims, name: string): unknown {
  if (name in claims) return claims[name];
  let node: unknown = claims;
  for (const step of name.split('.')) {
    if (!node || typeof node !== 'object' || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[step];
  }
  return node;
}

function roleOf(claims: Claims, policy: TokenPolicy): Role {
  const value = claimValue(claims, policy.roleClaim);
  const values = Array.isArray(value) ? value : [value];
  if (values.includes('admin')) return 'admin';
  const scopes = new Set(scopesOf(claims));
  return policy.adminScopes.some((s) => scopes.has(s)) ? 'admin' : 'read_only';
}

/** Throws the 401 that says why, unless the token is meant for this API. */
function checkAudience(claims: Claims, policy: TokenPolicy): void {
  const aud = claims.aud;
  const audiences = (Array.isArray(aud) ? aud : [aud]).filter((a): a is string => typeof a === 'string' && a !== '');
  if (audiences.length > 0) {
    if (audiences.some((a) => policy.audiences.includes(a))) return;
    throw invalidToken(
      `The access token is for ${audiences.map((a) => JSON.stringify(a)).join(', ')} (its aud claim), not for this API. ` +
        'Request the token for this API\'s audience (the provider setting oidc_audience or oidc_scopes), or add it to CF_OIDC_AUDIENCE.',
    );
  }
  const client = clientIdOf(claims);
  if (client !== undefined && policy.clientIds.includes(client)) return;
  throw invalidToken(
    client === undefined
      ? 'The access token names neither an audience (aud) nor a client (client_id), so nothing shows it is meant for this API.'
      : `The access token has no audience (aud) and its client ${JSON.stringify(client)} is not one this API accepts (CF_OIDC_CLIENT_IDS).`,
  );
}

/**
 * The principal for an access token's claims, or a 401 saying what is wrong with them. `issuer` is the
 * trusted issuer the claims were checked against.
 */
export function principalFromClaims(claims: Claims, policy: TokenPolicy, issuer: string): Principal {
  // Cognito marks its ID tokens token_use=id; they carry aud=<client id> and must not pass as access tokens.
  if (claims.token_use !== undefined && claims.token_use !== 'access') {
    throw invalidToken(`The token is a ${String(claims.token_use)} token (token_use); send an access token.`);
  }
  // Keycloak types its tokens in a typ claim: Bearer for access tokens, ID and Refresh for the others.
  if (typeof claims.typ === 'string' && claims.typ.toLowerCase() !== 'bearer') {
    throw invalidToken(`The token is a ${claims.typ} token (typ); send an access token.`);
  }
  checkAudience(claims, policy);
  const client = clientIdOf(claims);
  const sub = typeof claims.sub === 'string' && claims.sub !== '' ? claims.sub : client;
  if (!sub) throw invalidToken('The access token names no subject (sub) and no client (client_id).');
  const email = typeof claims.email === 'string' ? claims.email : '';
  const type = email ? 'CF::User' : 'CF::Service';
  const jti = typeof claims.jti === 'string' ? claims.jti : sub;
  return {
    type,
    id: sub,
    role: roleOf(claims, policy),
    name: typeof claims.name === 'string' ? claims.name : (client ?? sub),
    email,
    identityChain: [
      { id: { type: 'OIDC::Token', id: `${issuer}/${jti}` } },
      { id: { type: 'OIDC::Subject', id: `${issuer}/${sub}` } },
      { id: { type, id: sub } },
    ],
  };
}
