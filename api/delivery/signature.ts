import { createHmac } from 'node:crypto';

/**
 * Standard Webhooks signatures: `v1,<base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<body>">`, keyed with
 * the base64-decoded part of a `whsec_` secret. Several secrets (during a rotation) give space-separated
 * signatures, any of which a receiver may accept.
 */
const SECRET_PREFIX = 'whsec_';

const keys = new Map<string, Buffer>();

function keyOf(secret: string): Buffer {
  let key = keys.get(secret);
  if (!key) {
    key = Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');
    if (keys.size > 10_000) keys.clear();
    keys.set(secret, key);
  }
  return key;
}

/** The `webhook-signature` header value for `body`, one `v1,` entry per secret, in the order given. */
export function signatureHeader(secrets: readonly string[], id: string, timestampSeconds: number, body: string): string {
  return secrets
    .map((s) => 'v1,' + createHmac('sha256', keyOf(s)).update(`${id}.${timestampSeconds}.`).update(body).digest('base64'))
    .join(' ');
}

/** How long a rotated-out secret keeps signing beside its successor. */
export const PREVIOUS_SECRET_GRACE_MS = 24 * 60 * 60 * 1000;
