import type { IntegrationSecrets, StoredHeader } from './secrets';

/** Where and how to deliver to an integration, as stored: header values and signing secrets sealed. */
export interface SealedTarget {
  url: string;
  headers: StoredHeader[];
  signingSecret: string;
  /** Sealed; null when no previous secret signs any more. */
  previousSecret: string | null;
}

/** The same in clear text, as a delivery attempt needs it (structurally delivery/request.ts's target). */
export interface OpenTarget {
  url: string;
  headers: Array<{ key: string; value: string }>;
  signingSecret: string;
  previousSecret: string | null;
}

interface Entry {
  version: number;
  sealedSecret: string;
  sealedPrevious: string | null;
  target: OpenTarget;
}

/**
 * Decrypted delivery targets for the worker's hot path, one per integration, so that a delivery costs no
 * decryption while its integration is unchanged. An entry holds while the integration's version (bumped by every
 * change of its URL or headers) is the one it was opened at, and its sealed signing secrets are the same strings
 * (a secret rotation changes them without bumping the version; so does the expiry of the previous one). A
 * re-encryption under a new key changes the sealed headers but neither the version nor the plaintext, so the
 * entry rightly stays. A value that does not open throws SecretUnreadableError and caches nothing.
 *
 * Bounded by `maxEntries` (oldest out first); entries are the plaintext of secrets the process sends anyway.
 */
export class TargetCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly secrets: IntegrationSecrets,
    private readonly maxEntries = 10_000,
  ) {}

  open(integrationId: string, version: number, sealed: SealedTarget): OpenTarget {
    const hit = this.entries.get(integrationId);
    if (hit && hit.version === version && hit.sealedSecret === sealed.signingSecret && hit.sealedPrevious === sealed.previousSecret) {
      return hit.target;
    }
    const target: OpenTarget = {
      url: sealed.url,
      headers: this.secrets.openHeaders(integrationId, sealed.headers),
      signingSecret: this.secrets.openSigningSecret(integrationId, sealed.signingSecret),
      previousSecret: sealed.previousSecret === null ? null : this.secrets.openSigningSecret(integrationId, sealed.previousSecret),
    };
    this.entries.delete(integrationId);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(integrationId, { version, sealedSecret: sealed.signingSecret, sealedPrevious: sealed.previousSecret, target });
    return target;
  }

  /** Entries held (for tests and metrics). */
  get size(): number {
    return this.entries.size;
  }
}

/** Values shorter than this are left in place: too short to be credentials, and too common to cut out. */
const MIN_SCRUBBED_LENGTH = 4;

/**
 * `text` (what a destination answered, kept on the attempt) with the target's header values and signing
 * secrets replaced by `[redacted]`: a receiver that echoes its request would otherwise put them in the database,
 * and in front of principals who may read attempts but not secrets.
 */
export function scrubSecrets(text: string | null, target: OpenTarget): string | null {
  if (text === null) return null;
  let out = text;
  const values = target.headers.map((h) => h.value);
  for (const s of [target.signingSecret, target.previousSecret]) if (s) values.push(s, s.replace(/^whsec_/, ''));
  for (const v of values) if (v.length >= MIN_SCRUBBED_LENGTH && out.includes(v)) out = out.split(v).join('[redacted]');
  return out;
}
