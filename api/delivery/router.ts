import { ACTIONS } from '../authz/actions';
import { decodePageToken, encodePageToken } from '../http/pagination';
import { route, type Route } from '../http/route';
import type { IntegrationSecrets } from '../webhook-integrations/secrets';
import type { OutboundClient } from './outbound';
import { DeliveryDetailSchema, DeliveryListQuerySchema, DeliveryListSchema, DeliverySchema, SigningSecretSchema, TestResultSchema } from './schema';
import { getDelivery, getSigningSecret, listDeliveries, retryDelivery, rotateSigningSecret, sendTestEvent } from './store';

const BASE = '/v1/webhook-integrations/{id}';
const integration = { id: 'webhookIntegration' } as const;
const delivery = { id: 'webhookIntegration', delivery_id: 'delivery' } as const;
const noStore = { 'Cache-Control': 'no-store' };

/**
 * `/v1/webhook-integrations/{id}/…`: deliveries and their attempts, manual retry, test events and the signing
 * secret.
 */
export function deliveryRoutes(deps: { outbound: OutboundClient; integrationSecrets: IntegrationSecrets }): Route[] {
  const vault = deps.integrationSecrets;
  return [
    route({
      method: 'GET',
      path: `${BASE}/deliveries`,
      operationId: 'listWebhookDeliveries',
      summary: 'List deliveries',
      description: 'Deliveries of events to this integration, newest first.',
      tag: 'Deliveries',
      action: ACTIONS.listDeliveries,
      params: integration,
      query: DeliveryListQuerySchema,
      responses: { 200: { description: 'A page of deliveries.', schema: DeliveryListSchema } },
      handler: async ({ params, query, db }) => {
        const before = query.page_token ? decodePageToken('delivery', query.page_token) : undefined;
        const { rows, more } = await listDeliveries(db, params.id, { status: query.status, size: query.page_size, before });
        const last = rows.at(-1);
        return { status: 200, body: { items: rows, ...(more && last ? { next_page_token: encodePageToken('delivery', last.id) } : {}) } };
      },
    }),
    route({
      method: 'GET',
      path: `${BASE}/deliveries/{delivery_id}`,
      operationId: 'getWebhookDelivery',
      summary: 'Get a delivery',
      tag: 'Deliveries',
      action: ACTIONS.getDelivery,
      params: delivery,
      responses: { 200: { description: 'The delivery with every attempt.', schema: DeliveryDetailSchema } },
      handler: async ({ params, db }) => ({ status: 200, body: await getDelivery(db, params.id, params.delivery_id) }),
    }),
    route({
      method: 'POST',
      path: `${BASE}/deliveries/{delivery_id}/retry`,
      operationId: 'retryWebhookDelivery',
      summary: 'Retry a delivery',
      description: 'Queues the delivery for an attempt now (same webhook-id); its retry budget starts over.',
      tag: 'Deliveries',
      action: ACTIONS.retryDelivery,
      params: delivery,
      transaction: true,
      idempotent: true,
      errors: ['conflict'],
      responses: { 202: { description: 'Queued.', schema: DeliverySchema } },
      handler: async ({ params, tx }) => ({ status: 202, body: await retryDelivery(tx, params.id, params.delivery_id) }),
    }),
    route({
      method: 'POST',
      path: `${BASE}/test`,
      operationId: 'testWebhookIntegration',
      summary: 'Send a test event',
      description: 'Sends a signed test event now and returns the attempt. A success makes an UNHEALTHY or DISABLED integration HEALTHY.',
      tag: 'Deliveries',
      action: ACTIONS.testIntegration,
      params: integration,
      errors: ['secrets_unreadable'],
      // The attempt is an outbound request a transaction could not undo: the evaluation is stored first (the default).
      responses: { 200: { description: 'The attempt (delivered or not).', schema: TestResultSchema } },
      handler: async ({ params, db }) => ({ status: 200, body: await sendTestEvent(db, deps.outbound, vault, params.id) }),
    }),
    route({
      method: 'GET',
      path: `${BASE}/secret`,
      operationId: 'getWebhookSigningSecret',
      summary: 'Get the signing secret',
      tag: 'Signing secrets',
      action: ACTIONS.getSigningSecret,
      params: integration,
      errors: ['secrets_unreadable'],
      responses: { 200: { description: 'The signing secret.', schema: SigningSecretSchema, headers: ['Cache-Control'] } },
      handler: async ({ params, db }) => ({ status: 200, body: await getSigningSecret(db, vault, params.id), headers: noStore }),
    }),
    route({
      method: 'POST',
      path: `${BASE}/secret/rotate`,
      operationId: 'rotateWebhookSigningSecret',
      summary: 'Rotate the signing secret',
      description: 'Replaces the signing secret; the previous one keeps signing beside it (space-separated signatures) for 24 hours.',
      tag: 'Signing secrets',
      action: ACTIONS.rotateSigningSecret,
      params: integration,
      idempotent: true,
      responses: { 200: { description: 'The new secret.', schema: SigningSecretSchema, headers: ['Cache-Control'] } },
      handler: async ({ params, db }) => ({ status: 200, body: await rotateSigningSecret(db, vault, params.id), headers: noStore }),
    }),
  ];
}
