import { createHash } from 'node:crypto';
import type { Request } from 'express';
import { validationError } from '../errors';
import type { IdempotencyScope } from '../idempotency/store';
import type { Principal } from '../auth/principal';

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
export const REPLAYED_HEADER = 'Idempotent-Replayed';

/** Keys are 1–255 visible ASCII characters (UUIDs, ULIDs, any client scheme). */
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/**
 * The key of a request, or undefined without one. The draft makes the value a Structured Field string
 * (`"8e03978e-…"`); the bare form that Stripe's and Svix's clients send is accepted too.
 */
export function idempotencyKeyOf(req: Request): string | undefined {
  const raw = req.get(IDEMPOTENCY_HEADER);
  if (raw === undefined) return undefined;
  const trimmed = raw.trim();
  const key = /^".*"$/.test(trimmed) ? trimmed.slice(1, -1).replace(/\\(["\\])/g, '$1') : trimmed;
  if (!KEY_PATTERN.test(key)) {
    throw validationError(
      [{ path: IDEMPOTENCY_HEADER, message: 'must be 1 to 255 visible ASCII characters, e.g. a UUID' }],
      'The Idempotency-Key header is invalid; see errors.',
    );
  }
  return key;
}

/** JSON with object keys sorted, so two bodies that mean the same thing fingerprint the same. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** The scope of a keyed request: its principal, its key, and a fingerprint of method, path and body. */
export function idempotencyScope(req: Request, principal: Principal, key: string): IdempotencyScope {
  const fingerprint = createHash('sha256').update(`${req.method} ${req.path}\n${canonical(req.body)}`).digest('hex');
  return { principal: `${principal.type}::"${principal.id}"`, key, fingerprint };
}
