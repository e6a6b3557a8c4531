import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { AppError } from '../errors';

/**
 * Envelope encryption of the secrets the service stores (header values, signing secrets, replayable responses):
 * AES-256-GCM from node:crypto, a random 96-bit IV per value, and the id of the key with each ciphertext, so
 * that values sealed under different keys can live side by side while keys are rotated.
 *
 * A sealed value is one string: `v1:<key id>:<base64url of IV ‖ ciphertext ‖ 16-byte tag>`. `v1` names the
 * scheme (AES-256-GCM, 12-byte IV, AAD as below); the key id is the first 8 bytes of SHA-256 over a label and
 * the key, in hex, so it names a key without revealing anything about it and needs no bookkeeping.
 *
 * Every value is sealed with additional authenticated data naming where it belongs (`context`, e.g.
 * `webhook_integrations:whk_…:headers`): a ciphertext copied into another row or column fails to open instead
 * of passing for that row's secret. A value that fails to open (unknown key, wrong key, tampering) is an error,
 * never garbage.
 */

/** Prefix of every sealed value of the current scheme. */
const SCHEME = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const KEY_BYTES = 32;

/** The part of a sealed value before the payload: `v1:<16 hex>:`. */
const SEALED_PATTERN = /^v1:([0-9a-f]{16}):([A-Za-z0-9_-]+)$/;

export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update('commonfate encryption key id\0').update(key).digest('hex').slice(0, 16);
}

/** Whether `value` has the shape of a sealed value (it may still fail to open). */
export function isSealed(value: string): boolean {
  return value.startsWith(`${SCHEME}:`) && SEALED_PATTERN.test(value);
}

/** The key id a sealed value names, or undefined for anything else. */
export function sealedKeyId(value: string): string | undefined {
  return SEALED_PATTERN.exec(value)?.[1];
}

/**
 * A stored secret could not be decrypted with the configured keys. The message names the key id (never the
 * value or the ciphertext) and what an operator must do; clients see it as a 500 `secrets-unreadable` problem.
 */
export class SecretUnreadableError extends AppError {
  constructor(
    readonly keyId: string | undefined,
    reason: 'unknown-key' | 'failed' | 'malformed',
  ) {
    super(
      'secrets_unreadable',
      reason === 'unknown-key'
        ? `A stored secret is encrypted with key ${keyId}, which is not among the service's encryption keys (CF_ENCRYPTION_KEYS). An operator must add that key back; the secret is not shown and nothing was sent with it.`
        : reason === 'failed'
          ? `A stored secret did not decrypt with key ${keyId}: the key or the stored value is not the one it was sealed with. An operator must check CF_ENCRYPTION_KEYS; the secret is not shown and nothing was sent with it.`
          : 'A stored secret is not in a format this service can decrypt; the secret is not shown and nothing was sent with it.',
    );
    this.name = 'SecretUnreadableError';
  }
}

export interface KeyringKey {
  id: string;
  key: Buffer;
}

/** The service's encryption keys: the first seals, every one opens. */
export class Keyring {
  readonly keys: readonly KeyringKey[];
  private readonly byId: Map<string, Buffer>;

  constructor(keys: readonly Buffer[]) {
    if (keys.length === 0) throw new Error('a keyring needs at least one key');
    const seen = new Map<string, Buffer>();
    const list: KeyringKey[] = [];
    for (const key of keys) {
      if (key.length !== KEY_BYTES) throw new Error(`encryption keys are ${KEY_BYTES} bytes (got ${key.length})`);
      const id = keyIdOf(key);
      if (seen.has(id)) continue; // the same key listed twice
      seen.set(id, key);
      list.push({ id, key });
    }
    this.keys = list;
    this.byId = seen;
  }

  /** The id of the key new values are sealed with. */
  get primaryId(): string {
    return this.keys[0].id;
  }

  hasKey(id: string): boolean {
    return this.byId.has(id);
  }

  /** Seals `plaintext` under the first key, bound to `context`. */
  seal(plaintext: string, context: string): string {
    const { id, key } = this.keys[0];
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([iv, cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${SCHEME}:${id}:${body.toString('base64url')}`;
  }

  /** Opens a sealed value bound to `context`; throws SecretUnreadableError rather than return anything else. */
  open(sealed: string, context: string): string {
    const m = SEALED_PATTERN.exec(sealed);
    if (!m) throw new SecretUnreadableError(undefined, 'malformed');
    const keyId = m[1];
    const key = this.byId.get(keyId);
    if (!key) throw new SecretUnreadableError(keyId, 'unknown-key');
    const body = Buffer.from(m[2], 'base64url');
    if (body.length < IV_BYTES + TAG_BYTES) throw new SecretUnreadableError(keyId, 'malformed');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, body.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
      return Buffer.concat([decipher.update(body.subarray(IV_BYTES, body.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretUnreadableError(keyId, 'failed');
    }
  }

  /** Whether `sealed` is sealed under the first key (nothing to do for a rotation). */
  isCurrent(sealed: string): boolean {
    return sealedKeyId(sealed) === this.primaryId;
  }
}

/** A new random key, base64, as CF_ENCRYPTION_KEYS takes it. */
export function generateKey(): string {
  return randomBytes(KEY_BYTES).toString('base64');
}
