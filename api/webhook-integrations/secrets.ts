import { randomBytes } from 'node:crypto';
import type { SecretAccess } from '../authz/authorizer';
import { validationError } from '../errors';
import type { Keyring } from '../secrets/keyring';

/**
 * How an integration's secrets are stored: each header value and each signing secret sealed on its own
 * (secrets/keyring.ts), bound to the integration's id and the field, so a ciphertext moved to another row does
 * not open. Header names stay readable: they are not secrets, and a redacted view needs no key.
 *
 * Stored `headers` elements are `{"key", "sealed"}`. Rows written before encryption hold `{"key", "value"}` and
 * `whsec_…` signing secrets in plain text until the service seals them (secrets/reseal.ts); everything here
 * reads both forms, and only ever writes the sealed one.
 */

export type StoredHeader = { key: string; sealed: string } | { key: string; value: string };

/** A header as written to the database by an update: sealed, or a placeholder for the stored value of `key`. */
export type HeaderWrite = { key: string; sealed: string } | { key: string; keep: true };

/** A header in a request: a value, or `redacted: true` to keep the one stored for that name. */
export interface HeaderInput {
  key: string;
  value?: string;
  redacted?: true;
}

/** A header in a response: its value for those who may read it, else only its name. */
export type HeaderView = { key: string; value: string } | { key: string; redacted: true };

const LEGACY_SECRET_PREFIX = 'whsec_';

export const headersContext = (integrationId: string) => `webhook_integrations:${integrationId}:headers`;
/** Current and previous signing secrets share one context: a rotation moves the one into the other in SQL. */
export const signingSecretContext = (integrationId: string) => `webhook_integrations:${integrationId}:signing_secret`;

export function newSigningSecret(): string {
  return LEGACY_SECRET_PREFIX + randomBytes(32).toString('base64');
}

/** Whether a stored signing secret is still in plain text (a row from before encryption). */
export function isPlainSigningSecret(stored: string): boolean {
  return stored.startsWith(LEGACY_SECRET_PREFIX);
}

/** Most integrations whose opened headers a view keeps (oldest out first). */
const VIEW_CACHE_ENTRIES = 10_000;

/** The seal and open operations on one integration's fields, with the keyring the service was started with. */
export class IntegrationSecrets {
  /**
   * Headers opened for views, by integration, valid for one version: every change of the headers bumps it, and
   * a re-encryption keeps their plaintext. Spares a GET one decryption per header (≈10 µs each).
   */
  private readonly viewed = new Map<string, { version: number; headers: Array<{ key: string; value: string }> }>();

  constructor(readonly keyring: Keyring) {}

  /**
   * Headers of a create, replace or update as they are written. `kept` lists the names (lower case) whose
   * stored value a `redacted` header keeps, or null when there are none; with `mustExist` (create) there is no
   * stored value to keep, so a redacted header is a validation error.
   */
  sealHeaders(integrationId: string, headers: readonly HeaderInput[], mustExist = false): { writes: HeaderWrite[]; kept: string[] | null } {
    const context = headersContext(integrationId);
    const kept: string[] = [];
    const writes = headers.map((h, i): HeaderWrite => {
      if (h.value !== undefined) return { key: h.key, sealed: this.keyring.seal(h.value, context) };
      if (mustExist) {
        throw validationError([{ path: `headers[${i}]`, message: 'has no stored value to keep (the integration is new): give its value' }]);
      }
      kept.push(h.key.toLowerCase());
      return { key: h.key, keep: true };
    });
    return { writes, kept: kept.length > 0 ? kept : null };
  }

  /** Header values in clear text, in order (the delivery worker, the test event, and principals who may read them). */
  openHeaders(integrationId: string, stored: readonly StoredHeader[]): Array<{ key: string; value: string }> {
    const context = headersContext(integrationId);
    return stored.map((h) => ({ key: h.key, value: 'sealed' in h ? this.keyring.open(h.sealed, context) : h.value }));
  }

  /**
   * The response form of the headers of `integrationId` at `version`: values only with `reveal`, which a Cedar
   * decision settles (authz/authorizer.ts).
   */
  headersView(integrationId: string, version: number, stored: readonly StoredHeader[], access: SecretAccess): HeaderView[] {
    switch (access) {
      case 'reveal': {
        const hit = this.viewed.get(integrationId);
        if (hit?.version === version) return hit.headers;
        const headers = this.openHeaders(integrationId, stored);
        this.viewed.delete(integrationId);
        if (this.viewed.size >= VIEW_CACHE_ENTRIES) this.viewed.delete(this.viewed.keys().next().value!);
        this.viewed.set(integrationId, { version, headers });
        return headers;
      }
      case 'redact':
        return stored.map((h) => ({ key: h.key, redacted: true as const }));
    }
  }

  sealSigningSecret(integrationId: string, secret: string): string {
    return this.keyring.seal(secret, signingSecretContext(integrationId));
  }

  openSigningSecret(integrationId: string, stored: string): string {
    return isPlainSigningSecret(stored) ? stored : this.keyring.open(stored, signingSecretContext(integrationId));
  }
}
