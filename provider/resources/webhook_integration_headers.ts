/**
 * The `headers` list of `commonfate_webhook_integration` (and of its data source): schema, plan-time checks,
 * the request the API gets and the state Terraform keeps.
 *
 * Each header's value comes one of two ways:
 * - `value`: sensitive, kept in state (Terraform ≥ 1.0). Drift is detected when the credentials may read values.
 * - `value_wo`: write-only (Terraform ≥ 1.11), never in plan or state. It is sent when the integration is
 *   created, when `headers_wo_version` changes, and for a header the state does not know yet; otherwise the
 *   request names the header with `redacted: true` and the API keeps the value it has. Drift on it cannot be
 *   detected: nothing to compare with is kept.
 *
 * In state, a header whose `value` is null has a value Terraform does not track (write-only, or read with
 * credentials that may not see values); reading never fills it in. With credentials that may not read header
 * values (`read_only`) the API answers each header as `{key, redacted: true}`: the state keeps what it had, so
 * such a plan reports no drift on values, nor can it.
 */
import { headerListProblems, LIMITS, RESERVED_HEADER_NAMES } from '../../contract';
import type { HeaderInput, ResponseHeader } from '../client/api';
import { isUnknown, type Attributes, type Diagnostics, type ObjectValue, type Value } from '../protocol';

/** "content-type" -> `Content-Type`, listed from the shared rules so the docs follow them. */
const RESERVED_NAMES = [...RESERVED_HEADER_NAMES.map((n) => n.replace(/(^|-)([a-z])/g, (_, d, c) => d + c.toUpperCase())), 'webhook-*']
  .map((n) => `\`${n}\``)
  .join(', ');

const KEY_DESCRIPTION = `HTTP header name, e.g. \`Authorization\`. Names the delivery worker sets are refused (${RESERVED_NAMES}); names are unique ignoring case.`;

/** The objects of the resource's `headers`. */
export const resourceHeaderAttributes: Attributes = {
  key: { type: 'string', required: true, description: KEY_DESCRIPTION },
  value: {
    type: 'string',
    optional: true,
    sensitive: true,
    description:
      'HTTP header value. Sensitive: never shown in plans or logs, but kept in the state; use `value_wo` to keep it out. Must not contain CR, LF or other control characters. Exactly one of `value` and `value_wo`.',
  },
  value_wo: {
    type: 'string',
    optional: true,
    writeOnly: true,
    description:
      'Write-only HTTP header value (Terraform 1.11 and later), e.g. from an ephemeral variable: sent to the API but never stored in the plan or state. Sent on create, when `headers_wo_version` changes, and for a header new to the state; otherwise the API keeps the value it has. Requires `headers_wo_version`. Drift cannot be detected for it.',
  },
};

/** The objects of the data source's `headers`. */
export const dataSourceHeaderAttributes: Attributes = {
  key: { type: 'string', computed: true, description: 'HTTP header name.' },
  value: {
    type: 'string',
    computed: true,
    sensitive: true,
    description: "HTTP header value (sensitive); null when the provider's credentials may not read header values (`read_only`).",
  },
};

export const HEADERS_WO_VERSION_DESCRIPTION =
  'Version of the write-only header values (`headers[*].value_wo`): change it, e.g. increment it, to send them again. Required when a header uses `value_wo`.';

const present = (v: Value | undefined) => v !== null && v !== undefined;

/** Plan-time checks of `headers` and `headers_wo_version`; unknown values (known only after apply) are skipped. */
export function validateHeaders(headers: Value, woVersion: Value, diags: Diagnostics): void {
  if (!Array.isArray(headers)) {
    if (present(woVersion) && !isUnknown(headers)) {
      diags.warning('headers_wo_version has no effect', 'headers_wo_version only matters when a header sets value_wo; remove it or use value_wo.', ['headers_wo_version']);
    }
    return;
  }
  // Check the wholly known headers, keeping their positions so each diagnostic points at its element.
  const known: Array<{ index: number; key: string; value?: string }> = [];
  let anyWriteOnly = false;
  headers.forEach((h, index) => {
    const o = h as ObjectValue | null;
    if (!o || isUnknown(o)) return;
    const { value, value_wo: wo } = o;
    if (present(wo)) anyWriteOnly = true;
    // Exactly one of the two; an unknown one may turn out null, so only known ones decide.
    const pair: Value[] = [value, wo];
    const set = pair.filter((v) => present(v) && !isUnknown(v)).length;
    const maybe = isUnknown(value) || isUnknown(wo);
    if (set === 2) {
      diags.error('Conflicting header values', `headers[${index}] sets both value and value_wo; set exactly one of them.`, ['headers', index]);
    } else if (set === 0 && !maybe) {
      diags.error('Missing header value', `headers[${index}] needs a value: set value, or value_wo for a write-only one (Terraform 1.11 and later).`, ['headers', index]);
    }
    if (present(wo) && !present(woVersion)) {
      diags.error(
        'Missing headers_wo_version',
        `headers[${index}] sets value_wo, so headers_wo_version is required: Terraform keeps no copy of a write-only value, and changing headers_wo_version is how you tell the provider to send it again.`,
        ['headers', index],
      );
    }
    if (typeof o.key !== 'string') return;
    // A value not known yet (or missing, reported above) leaves only the name to check.
    const text = typeof value === 'string' ? value : typeof wo === 'string' ? wo : undefined;
    known.push(text === undefined ? { index, key: o.key } : { index, key: o.key, value: text });
  });
  if (headers.length > LIMITS.headersMaxCount) {
    diags.error('Too many headers', `headers may hold at most ${LIMITS.headersMaxCount} entries.`, ['headers']);
  }
  for (const p of headerListProblems(known)) {
    if (p.index < 0) continue; // the count, reported above against all entries
    const index = known[p.index].index;
    const field = p.field ?? 'key';
    // Messages from the contract never repeat a header value. The path stops at the element: Terraform
    // highlights `{ key = ..., value = ... }` for headers[i] but cannot resolve a path into its fields.
    diags.error(field === 'key' ? 'Invalid header name' : 'Invalid header value', `headers[${index}].${field} ${p.message}.`, ['headers', index]);
  }
  if (!anyWriteOnly && present(woVersion)) {
    diags.warning('headers_wo_version has no effect', 'headers_wo_version only matters when a header sets value_wo; remove it or use value_wo.', ['headers_wo_version']);
  }
}

const keyOf = (h: Value) => String((h as ObjectValue).key).toLowerCase();

/**
 * The headers of a create or update request, from the configuration (the only place write-only values are).
 * `prior` is the state before an update (null on create); `resend` says headers_wo_version changed.
 */
export function headersRequest(config: Value, prior: ObjectValue | null, resend: boolean): HeaderInput[] {
  const tracked = new Map<string, Value>();
  for (const h of (prior?.headers as ObjectValue[] | null) ?? []) tracked.set(keyOf(h), h.value);
  return ((config as ObjectValue[] | null) ?? []).map((h): HeaderInput => {
    const key = h.key as string;
    if (typeof h.value === 'string') return { key, value: h.value };
    // A write-only value is sent on create, when asked to (headers_wo_version), or when the state has no value
    // stored under this name that the API could keep; else the API keeps what it has.
    const keep = prior !== null && !resend && tracked.has(key.toLowerCase()) && tracked.get(key.toLowerCase()) === null;
    return keep ? { key, redacted: true } : { key, value: h.value_wo as string };
  });
}

/**
 * The state of `headers` from what the API answered. `previous` (the planned state after a write, the prior state
 * on refresh) decides what a value can be: untracked (null) stays untracked, and a redacted answer keeps what
 * the state had; otherwise the API's value, so drift shows.
 */
export function headersState(api: readonly ResponseHeader[], previous: Value | undefined): ObjectValue[] {
  const before = new Map<string, ObjectValue>();
  for (const h of (previous as ObjectValue[] | null | undefined) ?? []) if (h && typeof h === 'object') before.set(keyOf(h), h);
  return api.map((h) => {
    const prev = before.get(h.key.toLowerCase());
    const untracked = prev !== undefined && prev.value === null;
    const value = untracked ? null : 'redacted' in h ? (prev?.value ?? null) : h.value;
    return { key: h.key, value, value_wo: null };
  });
}

/** Header values that must never appear in a diagnostic (an API message could echo one). */
export function headerSecrets(config: Value | undefined): string[] {
  return ((config as ObjectValue[] | null | undefined) ?? []).flatMap((h) => [h.value, h.value_wo].filter((v): v is string => typeof v === 'string'));
}

/** The registry docs' sections on header values (provider/docs/generate.ts renders them after the example). */
export const HEADER_GUIDES = [
  {
    title: 'Header values: sensitive or write-only',
    markdown: `
Header values usually carry credentials. Each header takes one of:

- \`value\`: sensitive, so plans and logs show \`(sensitive value)\`, but Terraform keeps it in the state file in clear text.
- \`value_wo\` (Terraform 1.11 and later): write-only. Terraform passes it to the provider and never stores it in the plan or the state; give it from an ephemeral variable (Terraform 1.10 and later) or an ephemeral resource and it is stored nowhere on the Terraform side. It needs \`headers_wo_version\`: the provider sends write-only values when the integration is created, whenever \`headers_wo_version\` changes, and for a header new to the state; otherwise the service keeps the value it has. To rotate a write-only value, change it and increment \`headers_wo_version\`.

**Drift on write-only values cannot be detected**: the state holds no copy to compare with, so a value changed outside Terraform stays changed until \`headers_wo_version\` is changed again. Everything else about the header (its name, its position) is still checked.

**Importing** copies the header values the credentials may read into the state (as for \`value\`). With \`value_wo\`, prefer an \`import\` block: the plan that imports also sends the write-only values and records them as untracked, so the state written by \`terraform apply\` holds none. After \`terraform import\`, run \`terraform apply\` to clear them from the state.

**Read-only credentials.** The service shows header values only to principals allowed to read them (admins). With a \`read_only\` API key or token, it answers each header with its name only; the provider then keeps the values the state already has, so \`terraform plan\` reports no drift on header values (nor can it detect any), while names, order and every other attribute are still compared. Applying changes needs admin credentials.
`,
    example: 'resources/commonfate_webhook_integration/write-only.tf',
  },
] as const;
