/**
 * Resource `commonfate_webhook_integration`: a destination that receives audit log and/or authorization
 * events as HTTP POSTs. Laid out as schema -> validate -> create -> read -> update -> delete -> import.
 *
 * Validation shares its rules with the API (contract/, which the API imports too) so plan-time diagnostics and
 * API errors agree. Scheme policy is the exception: whether plain http is allowed is a service setting the
 * provider cannot see, so plan accepts http and https and the API has the last word.
 *
 * Header values, sensitive or write-only, and what the state keeps of them: ./webhook_integration_headers.ts.
 */
import { AUDIT_ACTIONS, isAuditAction, isId, LIMITS, urlProblem } from '../../contract';
import type { ApiClient, WebhookIntegration, WebhookIntegrationInput } from '../client/api';
import { Diagnostics, type BlockSchema, type ObjectValue, type ResourceType, type Value } from '../protocol';
import {
  HEADER_GUIDES,
  HEADERS_WO_VERSION_DESCRIPTION,
  headerSecrets,
  headersRequest,
  headersState,
  resourceHeaderAttributes,
  validateHeaders,
} from './webhook_integration_headers';

// ---- schema ----

export const TYPE_NAME = 'commonfate_webhook_integration';

const schema: BlockSchema = {
  version: 0,
  guides: HEADER_GUIDES,
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
      nested: { nesting: 'list', attributes: resourceHeaderAttributes },
      description: `Custom HTTP headers sent with every delivery, in order (at most ${LIMITS.headersMaxCount}). Each takes \`value\` (sensitive, kept in state) or \`value_wo\` (write-only, Terraform 1.11 and later, never in plan or state). With credentials that may not read header values (\`read_only\`), refresh keeps the values the state has and reports no drift on them.`,
    },
    headers_wo_version: {
      type: 'number',
      optional: true,
      description: HEADERS_WO_VERSION_DESCRIPTION,
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
  const { name, url, filter_for_actions: actions } = config;
  if (typeof name === 'string' && (name.length === 0 || name.length > LIMITS.nameMaxLength)) {
    diags.error('Invalid name', `name must be 1 to ${LIMITS.nameMaxLength} characters long.`, ['name']);
  }
  if (typeof url === 'string') {
    const problem = urlProblem(url, { allowHttp: true });
    if (problem) diags.error('Invalid url', `url ${problem}.`, ['url']);
  }
  validateHeaders(config.headers, config.headers_wo_version, diags);
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

/**
 * The request body from the planned state, with headers from the configuration (write-only values are only there);
 * `prior` is the state before an update (null on create).
 */
function toInput(planned: ObjectValue, config: ObjectValue, prior: ObjectValue | null): WebhookIntegrationInput {
  const resend = prior !== null && planned.headers_wo_version !== prior.headers_wo_version;
  return {
    name: planned.name as string,
    url: planned.url as string,
    send_audit_log_events: planned.send_audit_log_events === true,
    send_authorization_events: planned.send_authorization_events === true,
    headers: headersRequest(config.headers, prior, resend),
    filter_for_actions: ((planned.filter_for_actions as string[] | null) ?? []).slice(),
  };
}

/**
 * An empty list from the API is stored the way the configuration wrote it: null when the attribute is
 * unset, [] when written as []. Otherwise Terraform would see a perpetual diff between null and [].
 */
function emptyLike(list: Value[], previous: Value | undefined): Value {
  return list.length === 0 && !Array.isArray(previous) ? null : list;
}

/**
 * State from the API's representation. `previous` (planned or prior state) decides how empty lists look, which
 * header values the state tracks (./webhook_integration_headers.ts) and `headers_wo_version`, which only
 * Terraform knows.
 */
export function integrationToState(api: WebhookIntegration, previous: ObjectValue | null): ObjectValue {
  return {
    id: api.id,
    name: api.name,
    url: api.url,
    send_audit_log_events: api.send_audit_log_events,
    send_authorization_events: api.send_authorization_events,
    headers: emptyLike(headersState(api.headers, previous?.headers), previous?.headers),
    headers_wo_version: previous?.headers_wo_version ?? null,
    filter_for_actions: emptyLike([...api.filter_for_actions], previous?.filter_for_actions),
  };
}

/** Error-mapping context for calls about one integration; `config` names the values to keep out of messages. */
function callContext(operation: string, config?: ObjectValue) {
  return {
    operation,
    setAttributes: ['filter_for_actions'],
    secrets: headerSecrets(config?.headers),
  };
}

// ---- create ----

async function create(client: ApiClient, planned: ObjectValue, config: ObjectValue): Promise<ObjectValue> {
  const input = toInput(planned, config, null);
  const created = await client.createWebhookIntegration(input, callContext('create the webhook integration', config));
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
  config: ObjectValue,
): Promise<ObjectValue | null> {
  const id = prior.id as string;
  const input = toInput(planned, config, prior);
  const updated = await client.replaceWebhookIntegration(id, input, callContext(`update webhook integration ${id}`, config));
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
  create: (client, planned, _diags, config) => create(client, planned, config),
  read: (client, state) => read(client, state),
  update,
  delete: (client, state) => remove(client, state),
  importState,
};
