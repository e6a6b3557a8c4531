/**
 * Data source `commonfate_webhook_integration`: looks up an existing webhook integration by id, e.g. one
 * managed in another Terraform configuration.
 */
import type { ApiClient } from '../client/api';
import type { BlockSchema, DataSourceType, ObjectValue } from '../protocol';
import { integrationToState, TYPE_NAME } from '../resources/webhook_integration';
import { dataSourceHeaderAttributes } from '../resources/webhook_integration_headers';

const schema: BlockSchema = {
  version: 0,
  description: 'Reads an existing webhook integration by its id.',
  attributes: {
    id: {
      type: 'string',
      required: true,
      description: 'Identifier of the webhook integration to read (`whk_` followed by a KSUID).',
    },
    name: { type: 'string', computed: true, description: 'Display name of the integration.' },
    url: { type: 'string', computed: true, description: 'Destination URL that receives the events.' },
    send_audit_log_events: { type: 'bool', computed: true, description: 'Whether audit log events are sent.' },
    send_authorization_events: { type: 'bool', computed: true, description: 'Whether authorization events are sent.' },
    headers: {
      computed: true,
      nested: { nesting: 'list', attributes: dataSourceHeaderAttributes },
      description: "Custom HTTP headers sent with every delivery, in order. Header values are sensitive, and null when the provider's credentials may not read them.",
    },
    filter_for_actions: {
      type: { set: 'string' },
      computed: true,
      description: 'Audit log actions the integration is limited to; empty means every action.',
    },
  },
};

async function read(client: ApiClient, config: ObjectValue, diags: import('../protocol').Diagnostics) {
  const id = config.id;
  if (typeof id !== 'string') return null;
  const found = await client.getWebhookIntegration(id, {
    operation: `read webhook integration ${id}`,
    setAttributes: ['filter_for_actions'],
  });
  if (!found) {
    diags.error('Webhook integration not found', `No webhook integration with id ${id} exists.`, ['id']);
    return null;
  }
  // A data source has no configuration for the lists, so empty lists read as [] rather than null.
  return integrationToState(found, { headers: [], filter_for_actions: [] });
}

export const webhookIntegrationDataSource: DataSourceType<ApiClient> = {
  typeName: TYPE_NAME,
  schema,
  read,
};
