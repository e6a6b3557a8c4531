import { Router } from 'express';
import type { Pool } from 'pg';
import { ACTIONS } from '../authz/actions';
import { endpoint, type Security } from '../http/endpoint';
import { notFound } from '../errors';
import { methodNotAllowed } from '../http/middleware';
import { decodePageToken, encodePageToken } from '../http/pagination';
import { parseOrThrow } from '../http/validate';
import { isId } from '../ids';
import type { OutboundClient } from './outbound';
import { DeliveryListQuerySchema } from './schema';
import {
  getDelivery,
  getSigningSecret,
  listDeliveries,
  retryDelivery,
  rotateSigningSecret,
  sendTestEvent,
} from './store';

/**
 * `/v1/webhook-integrations/{id}/…`: deliveries and their attempts, manual retry, test events and the signing
 * secret. Mounted beside the integration CRUD router on the same prefix.
 */
export function deliveriesRouter(deps: { pool: Pool; security: Security; outbound: OutboundClient }): Router {
  const { pool, security } = deps;
  const router = Router();
  const integrationId = (raw: string) => {
    if (!isId('webhookIntegration', raw)) throw notFound(`Webhook integration ${raw.slice(0, 64)}`);
    return raw;
  };
  const deliveryId = (raw: string) => {
    if (!isId('delivery', raw)) throw notFound(`Delivery ${raw.slice(0, 64)}`);
    return raw;
  };

  router
    .route('/:id/deliveries')
    .get(
      endpoint(security, ACTIONS.listDeliveries, async ({ req }) => {
        const id = integrationId(req.params.id as string);
        const q = parseOrThrow(DeliveryListQuerySchema, req.query, 'The query parameters are invalid; see errors.');
        const before = q.page_token ? decodePageToken('delivery', q.page_token) : undefined;
        const { rows, more } = await listDeliveries(pool, id, { status: q.status, size: q.page_size, before });
        const last = rows.at(-1);
        return {
          status: 200,
          body: {
            items: rows,
            ...(more && last ? { next_page_token: encodePageToken('delivery', last.id) } : {}),
          },
        };
      }),
    )
    .all(methodNotAllowed(['GET']));

  router
    .route('/:id/deliveries/:deliveryId')
    .get(
      endpoint(security, ACTIONS.getDelivery, async ({ req }) => ({
        status: 200,
        body: await getDelivery(pool, integrationId(req.params.id as string), deliveryId(req.params.deliveryId as string)),
      })),
    )
    .all(methodNotAllowed(['GET']));

  router
    .route('/:id/deliveries/:deliveryId/retry')
    .post(
      endpoint(security, ACTIONS.retryDelivery, async ({ req }) => ({
        status: 202,
        body: await retryDelivery(pool, integrationId(req.params.id as string), deliveryId(req.params.deliveryId as string)),
      })),
    )
    .all(methodNotAllowed(['POST']));

  router
    .route('/:id/test')
    .post(
      endpoint(security, ACTIONS.testIntegration, async ({ req }) => ({
        status: 200,
        body: await sendTestEvent(pool, deps.outbound, integrationId(req.params.id as string)),
      })),
    )
    .all(methodNotAllowed(['POST']));

  router
    .route('/:id/secret')
    .get(
      endpoint(security, ACTIONS.getSigningSecret, async ({ req }) => ({
        status: 200,
        body: await getSigningSecret(pool, integrationId(req.params.id as string)),
        headers: { 'Cache-Control': 'no-store' },
      })),
    )
    .all(methodNotAllowed(['GET']));

  router
    .route('/:id/secret/rotate')
    .post(
      endpoint(security, ACTIONS.rotateSigningSecret, async ({ req }) => ({
        status: 200,
        body: await rotateSigningSecret(pool, integrationId(req.params.id as string)),
        headers: { 'Cache-Control': 'no-store' },
      })),
    )
    .all(methodNotAllowed(['POST']));

  return router;
}
