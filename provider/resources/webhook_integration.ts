/**
 * Resource `commonfate_webhook_integration`: a destination that receives audit log and/or authorization
 * events as HTTP POSTs. Laid out as schema -> validate -> create -> read -> update -> delete -> import.
 *
 * Validation shares its rules with the API (contract/, which the API imports too) so plan-time diagnostics and
 * API errors agree. Scheme policy is the exception: whether plain http is allowed is a service setting the
 * provider cannot see, so plan accepts http and https and the API has the last word.
 */
import {
  AUDIT_ACTIONS,
  headerListProblems,
  isAuditAction,
  isId,
  LIMITS,
  RESERVED_HEADER_NAMES,
  urlProblem,
} from '../../contract';
import type { ApiClient, WebhookIntegration, WebhookIntegrationInput } from '../client/api';
import {
  Diagnostics,
  type Attributes,
  type BlockSchema,
  type ObjectValue,
  type ResourceType,
  type Value,
} from '../protocol';

// ---- schema ----

export const TYPE_NAME = 'commonfate_webhook_integration';

/** "content-type" -> `Content-Type`, listed from the shared rules so the docs follow them. */
const RESERVED_NAMES = [...RESERVED_HEADER_NAMES.map((n) => n.replace(/(^|-)([a-z])/g, (_, d, c) => d + c.toUpperCase())), 'webhook-*']
  .map((n) => `\`${n}\``)
  .join(', ');

/** The {key, value} objects of `headers`; the value is sensitive (it usually carries a credential). */
export const headerAttributes = (mode: 'config' | 'computed'): Attributes => ({
  key: {
    type: 'string',
    ...(mode === 'config' ? { required: true } : { computed: true }),
    description: `HTTP header name, e.g. \`Authorization\`. Names the delivery worker sets are refused (${RESERVED_NAMES}); names are unique ignoring case.`,
  },
  value: {
    type: 'string',
    ...(mode === 'config' ? { required: true } : { computed: true }),
    sensitive: true,
    description: 'HTTP header value. Sensitive: never shown in plans or logs. Must not contain CR, LF or other control characters.',
  },
});

const schema: BlockSchema = {
  version: 0,
  description:
    'A webhook integration: Common Fate POSTs audit log events and/or authorization events to `url` as JSON, signed with Standard Webhooks headers.',
  attributes: {
    id: {
      type: 'string',
      computed: true,
      useStateForUnknown: true,
      description: 'Identifier of the integration (`whk_` followed by a KSUID). Stable across updates; use it to import.',
    },
    name: {
      type: 'string',
      required: true,
      description: `Display name of the integration (1 to ${LIMITS.nameMaxLength} characters).`,
    },
    url: {
      type: 'string',
      required: true,
      description:
        'Destination URL that receives the events as HTTP POST requests. Must be an absolute `https://` URL without credentials or fragment; the service may also allow `http://` for local development.',
    },
    send_audit_log_events: {
      type: 'bool',
      optional: true,
      computed: true,
      default: false,
      description: 'Send audit log events (grant lifecycle actions such as `grant.requested`). Defaults to `false`.',
    },
    send_authorization_events: {
      type: 'bool',
      optional: true,
      computed: true,
      default: false,
      description: 'Send authorization events (one per authorization decision made by the Common Fate API). Defaults to `false`.',
    },
    headers: {
      optional: true,
      nested: { nesting: 'list', attributes: headerAttributes('config') },
      description: `Custom HTTP headers sent with every delivery, in order (at most ${LIMITS.headersMaxCount}). Header values are sensitive.`,
    },
    filter_for_actions: {
      type: { set: 'string' },
      optional: true,
      description: `Only send audit log events with these actions; unset or empty sends every action. One of: ${AUDIT_ACTIONS.map((a) => `\`${a}\``).join(', ')}.`,
    },
  },
};

/** Plan-time checks; unknown values (known only after apply) are skipped. */
function validate(config: ObjectValue, diags: Diagnostics): void {
  const { name, url, headers, filter_for_actions: actions } = config;
  if (typeof name === 'string' && (name.length === 0 || name.length > LIMITS.nameMaxLength)) {
    diags.error('Invalid name', `name must be 1 to ${LIMITS.nameMaxLength} characters long.`, ['name']);
  }
  if (typeof url === 'string') {
    const problem = urlProblem(url, { allowHttp: true });
    if (problem) diags.error('Invalid url', `url ${problem}.`, ['url']);
  }
  if (Array.isArray(headers)) {
    // Check the wholly known headers, keeping their positions so each diagnostic points at its element.
    const known: Array<{ index: number; key: string; value: string }> = [];
    headers.forEach((h, index) => {
      const o = h as ObjectValue | null;
      if (o && typeof o.key === 'string' && typeof o.value === 'string') known.push({ index, key: o.key, value: o.value });
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
      diags.error(
        field === 'key' ? 'Invalid header name' : 'Invalid header value',
        `headers[${index}].${field} ${p.message}.`,
        ['headers', index],
      );
    }
  }
  if (Array.isArray(actions)) {
    for (const action of actions) {
      if (typeof action === 'string' && !isAuditAction(action)) {
        // Sets have no element index in Terraform, so the path stops at the attribute; the detail names it.
        diags.error(
          'Unknown audit log action',
          `filter_for_actions contains "${action}", which is not an audit log action. Valid actions: ${AUDIT_ACTIONS.join(', ')}.`,
          ['filter_for_actions'],
        );
      }
    }
  }
}

// ---- conversions between Terraform values and the API ----

function toInput(v: ObjectValue): WebhookIntegrationInput {
  return {
    name: v.name as string,
    url: v.url as string,
    send_audit_log_events: v.send_audit_log_events === true,
    send_authorization_events: v.send_authorization_events === true,
    headers: ((v.headers as ObjectValue[] | null) ?? []).map((h) => ({ key: h.key as string, value: h.value as string })),
    filter_for_actions: ((v.filter_for_actions as string[] | null) ?? []).slice(),
  };
}

/**
 * An empty list from the API is stored the way the configuration wrote it: null when the attribute is
 * unset, [] when written as []. Otherwise Terraform would see a perpetual diff between null and [].
 */
function emptyLike(list: Value[], previous: Value | undefined): Value {
  return list.length === 0 && !Array.isArray(previous) ? null : list;
}

/** State from the API's representation; `previous` (planned or prior state) decides how empty lists look. */
export function integrationToState(api: WebhookIntegration, previous: ObjectValue | null): ObjectValue {
  return {
    id: api.id,
    name: api.name,
    url: api.url,
    send_audit_log_events: api.send_audit_log_events,
    send_authorization_events: api.send_authorization_events,
    headers: emptyLike(
      api.headers.map((h) => ({ key: h.key, value: h.value })),
      previous?.headers,
    ),
    filter_for_actions: emptyLike([...api.filter_for_actions], previous?.filter_for_actions),
  };
}

/** Error-mapping context for calls about one integration. */
function callContext(operation: string, input?: WebhookIntegrationInput) {
  return {
    operation,
    setAttributes: ['filter_for_actions'],
    secrets: input?.headers.map((h) => h.value) ?? [],
  };
}

// ---- create ----

async function create(client: ApiClient, planned: ObjectValue): Promise<ObjectValue> {
  const input = toInput(planned);
  const created = await client.createWebhookIntegration(input, callContext('create the webhook integration', input));
  return integrationToState(created, planned);
}

// ---- read ----

async function read(client: ApiClient, state: ObjectValue): Promise<ObjectValue | null> {
  const id = state.id as string;
  const current = await client.getWebhookIntegration(id, callContext(`read webhook integration ${id}`));
  // null: deleted outside Terraform; Terraform drops it from state and plans to create it again.
  return current && integrationToState(current, state);
}

// ---- update ----

async function update(
  client: ApiClient,
  prior: ObjectValue,
  planned: ObjectValue,
  diags: Diagnostics,
): Promise<ObjectValue | null> {
  const id = prior.id as string;
  const input = toInput(planned);
  const updated = await client.replaceWebhookIntegration(id, input, callContext(`update webhook integration ${id}`, input));
  if (!updated) {
    diags.error(
      'Webhook integration not found',
      `Webhook integration ${id} was deleted outside Terraform while this plan was applied. Run terraform apply again to re-create it.`,
    );
    return null;
  }
  return integrationToState(updated, planned);
}

// ---- delete ----

async function remove(client: ApiClient, state: ObjectValue): Promise<void> {
  const id = state.id as string;
  await client.deleteWebhookIntegration(id, callContext(`delete webhook integration ${id}`));
}

// ---- import ----

async function importState(client: ApiClient, id: string, diags: Diagnostics): Promise<ObjectValue | null> {
  if (!isId('webhookIntegration', id)) {
    diags.error(
      'Invalid import ID',
      `"${id}" is not a webhook integration ID. Import with the integration's id, e.g. whk_2f0ChzJvrOOqchMhRmJieErz9Bl.`,
    );
    return null;
  }
  const found = await client.getWebhookIntegration(id, callContext(`import webhook integration ${id}`));
  if (!found) {
    diags.error('Cannot import non-existent webhook integration', `No webhook integration with id ${id} exists.`);
    return null;
  }
  return integrationToState(found, null);
}

export const webhookIntegrationResource: ResourceType<ApiClient> = {
  typeName: TYPE_NAME,
  schema,
  validate,
  create: (client, planned) => create(client, planned),
  read: (client, state) => read(client, state),
  update,
  delete: (client, state) => remove(client, state),
  importState,
};
