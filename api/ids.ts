import { randomBytes } from 'node:crypto';
import { ID_PREFIXES, type IdKind } from '../contract';

/**
 * KSUIDs: 4 bytes of seconds since the KSUID epoch (2014-05-13T16:53:20Z) then 16 random bytes, base62
 * encoded to 27 characters. They sort by creation time (to the second), which gives lists a stable order.
 */
const KSUID_EPOCH_SECONDS = 1_400_000_000;
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const ENCODED_LENGTH = 27;

// Random bytes are drawn from the CSPRNG in blocks: one call per 256 ids instead of one per id.
const POOL_SIZE = 16 * 256;
let pool = Buffer.alloc(0);
let poolOffset = POOL_SIZE;

function random16(target: Buffer, at: number): void {
  if (poolOffset >= POOL_SIZE) {
    pool = randomBytes(POOL_SIZE);
    poolOffset = 0;
  }
  pool.copy(target, at, poolOffset, poolOffset + 16);
  poolOffset += 16;
}

/** Base62 of 20 big-endian bytes as 27 digits: long division of five 32-bit words (BigInt was ~10 µs an id). */
export function base62(bytes: Buffer): string {
  const words = [bytes.readUInt32BE(0), bytes.readUInt32BE(4), bytes.readUInt32BE(8), bytes.readUInt32BE(12), bytes.readUInt32BE(16)];
  const digits = new Array<string>(ENCODED_LENGTH);
  for (let d = ENCODED_LENGTH - 1; d >= 0; d--) {
    let remainder = 0;
    for (let i = 0; i < 5; i++) {
      // remainder < 62, so remainder * 2^32 + word < 2^38: exact in a double.
      const value = remainder * 0x1_0000_0000 + words[i];
      words[i] = Math.floor(value / 62);
      remainder = value - words[i] * 62;
    }
    digits[d] = ALPHABET[remainder];
  }
  return digits.join('');
}

export function ksuid(now: Date = new Date()): string {
  const bytes = Buffer.allocUnsafe(20);
  bytes.writeUInt32BE(Math.floor(now.getTime() / 1000) - KSUID_EPOCH_SECONDS, 0);
  random16(bytes, 4);
  return base62(bytes);
}

/**
 * The smallest KSUID of the second that `at` falls in (all 16 payload bytes zero): every id made during or
 * after that second sorts at or above it, every earlier one below (in byte order, i.e. COLLATE "C").
 */
export function ksuidFloor(at: Date): string {
  const bytes = Buffer.alloc(20);
  bytes.writeUInt32BE(Math.floor(at.getTime() / 1000) - KSUID_EPOCH_SECONDS, 0);
  return base62(bytes);
}

/** When a KSUID (27 base62 digits) was made, to the second; undefined if `text` is not one. */
export function ksuidTime(text: string): Date | undefined {
  if (!/^[0-9A-Za-z]{27}$/.test(text)) return undefined;
  let value = 0n;
  for (const c of text) value = value * 62n + BigInt(ALPHABET.indexOf(c));
  const seconds = Number(value >> 128n);
  return seconds > 0xffff_ffff ? undefined : new Date((seconds + KSUID_EPOCH_SECONDS) * 1000);
}

/** Recognising ids is shared with the provider and CDKTF (contract/ids.ts); making them lives here. */
export { ID_PREFIXES, isId, type IdKind } from '../contract';

/** What an id names, for messages such as "Webhook integration whk_… was not found". */
export const ID_LABELS = {
  webhookIntegration: 'Webhook integration',
  apiKey: 'API key',
  evaluation: 'Authorization evaluation',
  event: 'Audit event',
  delivery: 'Delivery',
  attempt: 'Delivery attempt',
  request: 'Access request',
  grant: 'Grant',
  proxySession: 'Proxy session',
  user: 'User',
} as const satisfies Record<IdKind, string>;

export function newId(kind: IdKind): string {
  return `${ID_PREFIXES[kind]}_${ksuid()}`;
}
