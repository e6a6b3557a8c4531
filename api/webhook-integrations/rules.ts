/**
 * The rules a webhook integration must satisfy, as plain data and pure functions with no dependencies, so the
 * REST API (zod schemas), the Terraform provider (plan-time diagnostics) and the CDKTF construct (synth-time
 * validation) enforce exactly the same contract.
 */

/** Every audit log action the control plane emits, in the order the seed documents them. */
export const AUDIT_ACTIONS = [
  'grant.requested',
  'grant.approved',
  'grant.activated',
  'grant.provisioned',
  'grant.provisioning_attempted',
  'grant.extended',
  'grant.deprovisioned',
  'grant.cancelled',
  'grant.revoked',
  'grant.provisioning_error',
  'grant.deprovisioning_error',
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export function isAuditAction(value: string): value is AuditAction {
  return (AUDIT_ACTIONS as readonly string[]).includes(value);
}

export const LIMITS = {
  /** Characters in an integration's name. */
  nameMaxLength: 256,
  /** Characters in a destination URL. */
  urlMaxLength: 2048,
  /** Custom headers on one integration. */
  headersMaxCount: 32,
  /** Characters in a header name. */
  headerKeyMaxLength: 256,
  /** Characters in a header value. */
  headerValueMaxLength: 4096,
} as const;

/** RFC 9110 token: the characters allowed in a header field name. */
export const HEADER_KEY_PATTERN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Header names the delivery worker sets itself; a custom header may not override them. */
export const RESERVED_HEADER_NAMES = [
  'host',
  'content-length',
  'content-type',
  'transfer-encoding',
  'connection',
  'user-agent',
] as const;

/** Returns why a header name is refused, or undefined when it is acceptable. */
export function headerKeyProblem(key: string): string | undefined {
  if (key.length === 0) return 'must not be empty';
  if (key.length > LIMITS.headerKeyMaxLength) return `must be at most ${LIMITS.headerKeyMaxLength} characters`;
  if (!HEADER_KEY_PATTERN.test(key)) {
    return 'must be a valid HTTP header name (letters, digits and !#$%&\'*+-.^_`|~, no spaces or separators)';
  }
  const lower = key.toLowerCase();
  if ((RESERVED_HEADER_NAMES as readonly string[]).includes(lower) || lower.startsWith('webhook-')) {
    return `"${key}" is reserved: the delivery worker sets it (reserved: Host, Content-Length, Content-Type, Transfer-Encoding, Connection, User-Agent and any webhook-* header)`;
  }
  return undefined;
}

/**
 * Returns why a header value is refused, or undefined. Values are secrets: the message never repeats them.
 */
export function headerValueProblem(value: string): string | undefined {
  if (value.length > LIMITS.headerValueMaxLength) return `must be at most ${LIMITS.headerValueMaxLength} characters`;
  // CR, LF and NUL would let a value smuggle extra headers or truncate the request.
  if (/[\r\n\0]/.test(value)) return 'must not contain CR, LF or NUL characters';
  // Other control characters (except horizontal tab) are invalid in a field value per RFC 9110.
  if (/[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]/.test(value)) return 'must not contain control characters';
  return undefined;
}

export interface UrlPolicy {
  /** Accept plain http:// URLs too (local development and tests). Default false. */
  allowHttp: boolean;
}

/** Returns why a destination URL is refused, or undefined. */
export function urlProblem(raw: string, policy: UrlPolicy): string | undefined {
  if (raw.length === 0) return 'must not be empty';
  if (raw.length > LIMITS.urlMaxLength) return `must be at most ${LIMITS.urlMaxLength} characters`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be an absolute URL such as https://example.com/webhook';
  }
  if (url.protocol !== 'https:' && !(policy.allowHttp && url.protocol === 'http:')) {
    return policy.allowHttp ? 'must use the https or http scheme' : 'must use the https scheme';
  }
  if (!url.hostname) return 'must name a host';
  if (url.username || url.password) return 'must not contain credentials; send them in a custom header instead';
  if (url.hash) return 'must not contain a fragment';
  return undefined;
}

/** Returns the problems with a list of headers as [index, field, message] triples (duplicates ignore case). */
export function headerListProblems(
  headers: ReadonlyArray<{ key: string; value: string }>,
): Array<{ index: number; field: 'key' | 'value' | null; message: string }> {
  const problems: Array<{ index: number; field: 'key' | 'value' | null; message: string }> = [];
  if (headers.length > LIMITS.headersMaxCount) {
    problems.push({ index: -1, field: null, message: `must hold at most ${LIMITS.headersMaxCount} headers` });
  }
  const seen = new Map<string, number>();
  headers.forEach((h, index) => {
    const keyProblem = headerKeyProblem(h.key);
    if (keyProblem) problems.push({ index, field: 'key', message: keyProblem });
    const valueProblem = headerValueProblem(h.value);
    if (valueProblem) problems.push({ index, field: 'value', message: valueProblem });
    const lower = h.key.toLowerCase();
    const first = seen.get(lower);
    if (first !== undefined) {
      problems.push({ index, field: 'key', message: `duplicates the header at index ${first} (names ignore case)` });
    } else {
      seen.set(lower, index);
    }
  });
  return problems;
}
