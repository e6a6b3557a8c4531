import type { UrlPolicy } from '../../contract';
import { ACTIONS } from '../authz/actions';
import { decodePageToken, encodePageToken } from '../http/pagination';
import { route, type Route } from '../http/route';
import { IntegrationListSchema, IntegrationSchema, ListQuerySchema, integrationInputSchema, integrationPatchSchema } from './schema';
import type { IntegrationSecrets } from './secrets';
import {
  createWebhookIntegration,
  deleteWebhookIntegration,
  etagOf,
  listWebhookIntegrations,
  patchWebhookIntegration,
  readWebhookIntegration,
  replaceWebhookIntegration,
  toView,
} from './store';

export const BASE_PATH = '/v1/webhook-integrations';

const tag = 'Webhook integrations';
const params = { id: 'webhookIntegration' } as const;

/**
 * `/v1/webhook-integrations`: create, list, read, replace, update and delete integrations. Every response shows
 * header values only to principals Cedar allows ACTIONS.readHeaderValues (`reveals`); others get their names.
 */
export function webhookIntegrationRoutes(deps: { urlPolicy: UrlPolicy; integrationSecrets: IntegrationSecrets }): Route[] {
  const inputSchema = integrationInputSchema(deps.urlPolicy);
  const patchSchema = integrationPatchSchema(deps.urlPolicy);
  const vault = deps.integrationSecrets;
  const reveals = ACTIONS.readHeaderValues;
  return [
    route({
      method: 'GET',
      path: BASE_PATH,
      operationId: 'listWebhookIntegrations',
      summary: 'List integrations',
      tag,
      action: ACTIONS.listIntegrations,
      reveals,
      query: ListQuerySchema,
      responses: { 200: { description: 'A page of integrations, oldest first.', schema: IntegrationListSchema } },
      handler: async ({ query, db, secrets }) => {
        const after = query.page_token ? decodePageToken('webhookIntegration', query.page_token) : undefined;
        const { rows, more } = await listWebhookIntegrations(db, { size: query.page_size, after });
        const last = rows.at(-1);
        return {
          status: 200,
          body: { items: rows.map((row) => toView(row, vault, secrets)), ...(more && last ? { next_page_token: encodePageToken('webhookIntegration', last.id) } : {}) },
        };
      },
    }),
    route({
      method: 'POST',
      path: BASE_PATH,
      operationId: 'createWebhookIntegration',
      summary: 'Create an integration',
      tag,
      action: ACTIONS.createIntegration,
      reveals,
      body: { schema: inputSchema, required: true },
      idempotent: true,
      responses: { 201: { description: 'Created.', schema: IntegrationSchema, headers: ['ETag', 'Location'] } },
      handler: async ({ body, db, secrets }) => {
        const row = await createWebhookIntegration(db, vault, body);
        return { status: 201, body: toView(row, vault, secrets), headers: { ETag: etagOf(row), Location: `${BASE_PATH}/${row.id}` } };
      },
    }),
    route({
      method: 'GET',
      path: `${BASE_PATH}/{id}`,
      operationId: 'getWebhookIntegration',
      summary: 'Get an integration',
      description: 'One integration, with its delivery `status` and `last_error`.',
      tag,
      action: ACTIONS.getIntegration,
      reveals,
      params,
      responses: { 200: { description: 'The integration.', schema: IntegrationSchema, headers: ['ETag'] } },
      handler: async ({ params: { id }, db, secrets }) => {
        const row = await readWebhookIntegration(db, id);
        return { status: 200, body: toView(row, vault, secrets), headers: { ETag: etagOf(row) } };
      },
    }),
    route({
      method: 'PUT',
      path: `${BASE_PATH}/{id}`,
      operationId: 'replaceWebhookIntegration',
      summary: 'Replace an integration',
      description: 'Full replace: omitted optional fields return to their defaults.',
      tag,
      action: ACTIONS.updateIntegration,
      reveals,
      params,
      body: { schema: inputSchema, required: true },
      ifMatch: true,
      responses: { 200: { description: 'Replaced.', schema: IntegrationSchema, headers: ['ETag'] } },
      handler: async ({ params: { id }, body, ifMatch, db, secrets }) => {
        const row = await replaceWebhookIntegration(db, vault, id, body, ifMatch);
        return { status: 200, body: toView(row, vault, secrets), headers: { ETag: etagOf(row) } };
      },
    }),
    route({
      method: 'PATCH',
      path: `${BASE_PATH}/{id}`,
      operationId: 'updateWebhookIntegration',
      summary: 'Update an integration',
      description: 'Partial update: each given field replaces the stored one.',
      tag,
      action: ACTIONS.updateIntegration,
      reveals,
      params,
      body: { schema: patchSchema, required: true },
      ifMatch: true,
      responses: { 200: { description: 'Updated.', schema: IntegrationSchema, headers: ['ETag'] } },
      handler: async ({ params: { id }, body, ifMatch, db, secrets }) => {
        const row = await patchWebhookIntegration(db, vault, id, body, ifMatch);
        return { status: 200, body: toView(row, vault, secrets), headers: { ETag: etagOf(row) } };
      },
    }),
    route({
      method: 'DELETE',
      path: `${BASE_PATH}/{id}`,
      operationId: 'deleteWebhookIntegration',
      summary: 'Delete an integration',
      tag,
      action: ACTIONS.deleteIntegration,
      params,
      ifMatch: true,
      responses: { 204: { description: 'Deleted.' } },
      handler: async ({ params: { id }, ifMatch, db }) => {
        await deleteWebhookIntegration(db, id, ifMatch);
        return { status: 204 };
      },
    }),
  ];
}
