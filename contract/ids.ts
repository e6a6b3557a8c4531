/**
 * Identifiers: a type prefix, `_`, then a 27-character base62 KSUID (`whk_2f0ChzJvrOOqchMhRmJieErz9Bl`), as in
 * Common Fate's events. Generating them needs a clock and randomness, so that lives in the API (api/ids.ts);
 * recognising them is shared.
 */
export const ID_PREFIXES = {
  webhookIntegration: 'whk',
  apiKey: 'key',
  evaluation: 'eval',
  event: 'evt',
  delivery: 'dlv',
  attempt: 'att',
  request: 'req',
  grant: 'gra',
  proxySession: 'pxs',
  user: 'usr',
} as const;

export type IdKind = keyof typeof ID_PREFIXES;

/** Characters of the KSUID part. */
export const KSUID_LENGTH = 27;

const ID_PATTERN = /^[a-z]+_[0-9A-Za-z]{27}$/;

/** The regular expression (JSON Schema `pattern` syntax) that ids of `kind` match. */
export function idPattern(kind: IdKind): string {
  return `^${ID_PREFIXES[kind]}_[0-9A-Za-z]{${KSUID_LENGTH}}$`;
}

/** Whether `value` looks like an id of the given kind (a cheap check before a lookup). */
export function isId(kind: IdKind, value: string): boolean {
  return value.startsWith(ID_PREFIXES[kind] + '_') && ID_PATTERN.test(value);
}
