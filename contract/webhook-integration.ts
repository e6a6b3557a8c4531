/**
 * The rules a webhook integration must satisfy, as plain data and pure functions, so the REST API (zod
 * schemas), the Terraform provider (plan-time diagnostics) and the CDKTF construct (synth-time validation)
 * enforce exactly the same contract. Messages are phrased to follow the field's name ("url must …").
 */

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

/** The Standard Webhooks headers every delivery carries (https://www.standardwebhooks.com/). */
export const STANDARD_WEBHOOK_HEADERS = ['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const;

/** Header names the delivery worker sets itself; a custom header may not override them (nor any `webhook-*`). */
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

/** One problem with a list of headers: `index` -1 is the list itself, `field` null the whole element. */
export interface HeaderListProblem {
  index: number;
  field: 'key' | 'value' | null;
  message: string;
}

/**
 * Every problem with a list of headers (names are compared ignoring case for duplicates). A header without a
 * `value` keeps the one stored for it (the API's `redacted` form) or takes a value known only later (Terraform's
 * write-only `value_wo`): only its name is checked here.
 */
export function headerListProblems(headers: ReadonlyArray<{ key: string; value?: string }>): HeaderListProblem[] {
  const problems: HeaderListProblem[] = [];
  if (headers.length > LIMITS.headersMaxCount) {
    problems.push({ index: -1, field: null, message: `must hold at most ${LIMITS.headersMaxCount} headers` });
  }
  const seen = new Map<string, number>();
  headers.forEach((h, index) => {
    const keyProblem = headerKeyProblem(h.key);
    if (keyProblem) problems.push({ index, field: 'key', message: keyProblem });
    const valueProblem = h.value === undefined ? undefined : headerValueProblem(h.value);
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
