/**
 * Verifies JWT access tokens from trusted issuers (CF_OIDC_ISSUERS): the issuer is looked up among the
 * trusted ones, its signing keys come from the `jwks_uri` of its discovery document, and the signature, `iss`,
 * `exp` and `nbf` are checked. Whom the token is for and what it allows is token-claims.ts's business.
 */
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import { identityProviderUnavailable, invalidToken } from './problems';

/** Clock skew tolerated between the identity provider and this API, in seconds. */
const CLOCK_TOLERANCE_S = 30;
/** Asymmetric algorithms only: a JWKS never holds the shared secret an HS* token would need. */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];
const DISCOVERY_TIMEOUT_MS = 5000;

type KeySet = ReturnType<typeof createRemoteJWKSet>;

const strip = (url: string) => url.replace(/\/+$/, '');

/** Whether a bearer credential has the shape of a JWS (three base64url parts, a JSON header with `alg`). */
export function looksLikeJwt(credential: string): boolean {
  if (!/^[\w-]+\.[\w-]+\.[\w-]*$/.test(credential)) return false;
  try {
    return typeof decodeProtectedHeader(credential).alg === 'string';
  } catch {
    return false;
  }
}

/** Whether a bearer credential has the shape of a JWE (five base64url parts), e.g. Auth0's token without audience. */
export function looksLikeJwe(credential: string): boolean {
  return /^[\w-]+\.[\w-]*\.[\w-]+\.[\w-]+\.[\w-]+$/.test(credential);
}

export class JwtVerifier {
  /** Key sets by trusted issuer; a failed discovery is not remembered, so the next call tries again. */
  private readonly keySets = new Map<string, Promise<KeySet>>();

  constructor(private readonly issuers: readonly string[]) {}

  get enabled(): boolean {
    return this.issuers.length > 0;
  }

  /** The verified payload and the trusted issuer it is from; throws a 401 saying why, or a 503. */
  async verify(token: string): Promise<{ claims: JWTPayload; issuer: string }> {
    let unverified: JWTPayload;
    try {
      unverified = decodeJwt(token);
    } catch {
      throw invalidToken('The bearer token is not a well-formed JWT.');
    }
    const iss = typeof unverified.iss === 'string' ? unverified.iss : '';
    const issuer = this.trusted(iss);
    if (!issuer) {
      throw invalidToken(`The access token's issuer ${JSON.stringify(iss)} is not trusted by this API (CF_OIDC_ISSUERS).`);
    }
    const keys = await this.keySet(issuer);
    try {
      const { payload } = await jwtVerify(token, keys, { issuer: iss, algorithms: ALGORITHMS, clockTolerance: CLOCK_TOLERANCE_S });
      return { claims: payload, issuer: iss };
    } catch (err) {
      throw verificationProblem(err, issuer);
    }
  }

  /** The trusted issuer an `iss` claim names (a trailing slash does not matter), if any. */
  trusted(iss: string): string | undefined {
    return this.issuers.find((i) => strip(i) === strip(iss));
  }

  private keySet(issuer: string): Promise<KeySet> {
    let set = this.keySets.get(issuer);
    if (!set) {
      set = discoverKeys(issuer);
      this.keySets.set(issuer, set);
      set.catch(() => this.keySets.delete(issuer));
    }
    return set;
  }
}

async function discoverKeys(issuer: string): Promise<KeySet> {
  const url = `${strip(issuer)}/.well-known/openid-configuration`;
  let doc: { issuer?: unknown; jwks_uri?: unknown };
  try {
    const res = await fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(DISCOVERY_TIMEOUT_MS) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    doc = (await res.json()) as typeof doc;
  } catch (err) {
    throw identityProviderUnavailable(`The discovery document of ${issuer} could not be read (${(err as Error).message}).`);
  }
  // OpenID Connect Discovery 1.0 section 4.3: the document must be for the issuer it was fetched from.
  if (typeof doc.issuer !== 'string' || strip(doc.issuer) !== strip(issuer) || typeof doc.jwks_uri !== 'string') {
    throw identityProviderUnavailable(`The discovery document of ${issuer} names another issuer or no jwks_uri.`);
  }
  return createRemoteJWKSet(new URL(doc.jwks_uri), { timeoutDuration: DISCOVERY_TIMEOUT_MS });
}

function verificationProblem(err: unknown, issuer: string): Error {
  if (err instanceof errors.JWTExpired) return invalidToken('The access token has expired; request a new one.');
  if (err instanceof errors.JWTClaimValidationFailed) {
    return invalidToken(`The access token's ${err.claim} claim is not valid: ${err.reason}.`);
  }
  if (err instanceof errors.JWSSignatureVerificationFailed || err instanceof errors.JWKSNoMatchingKey) {
    return invalidToken(`The access token's signature does not verify with the keys of ${issuer}.`);
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return invalidToken('The access token is signed with an algorithm this API does not accept.');
  // A JWKS that could not be fetched or parsed surfaces as a timeout, a fetch TypeError, an invalid key set or
  // jose's generic error (ERR_JOSE_GENERIC is used for nothing else on this path).
  const generic = err instanceof errors.JOSEError && err.code === 'ERR_JOSE_GENERIC';
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid || err instanceof TypeError || generic) {
    return identityProviderUnavailable(`The signing keys of ${issuer} could not be fetched.`);
  }
  if (err instanceof errors.JOSEError) return invalidToken('The access token is not a valid JWT.');
  return err as Error;
}
