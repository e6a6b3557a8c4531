import { Router } from 'express';
import type { PrismaClient } from '@prisma/client';
import type { Pool } from 'pg';
import { ACTIONS } from '../authz/actions';
import { endpoint, type Security } from '../http/endpoint';
import { notFound, validationError } from '../errors';
import { methodNotAllowed } from '../http/middleware';
import { decodePageToken, encodePageToken } from '../http/pagination';
import { parseOrThrow } from '../http/validate';
import { isId } from '../ids';
import type { UrlPolicy } from '../../contract';
import { integrationInputSchema, integrationPatchSchema, ListQuerySchema } from './schema';
import {
  createWebhookIntegration,
  deleteWebhookIntegration,
  etagOf,
  readWebhookIntegration,
  listWebhookIntegrations,
  patchWebhookIntegration,
  replaceWebhookIntegration,
  toView,
} from './store';

export const BASE_PATH = '/v1/webhook-integrations';

function requireBody(body: unknown): unknown {
  if (body === undefined) {
    throw validationError([{ path: '', message: 'a JSON object body is required (Content-Type: application/json)' }]);
  }
  return body;
}

export function webhookIntegrationsRouter(deps: { prisma: PrismaClient; pool: Pool; security: Security; urlPolicy: UrlPolicy }): Router {
  const { prisma, security } = deps;
  const inputSchema = integrationInputSchema(deps.urlPolicy);
  const patchSchema = integrationPatchSchema(deps.urlPolicy);
  const router = Router();
  const idOf = (raw: string) => {
    if (!isId('webhookIntegration', raw)) throw notFound(`Webhook integration ${raw.slice(0, 64)}`);
    return raw;
  };

  router
    .route('/')
    .get(
      endpoint(security, ACTIONS.listIntegrations, async ({ req }) => {
        const query = parseOrThrow(ListQuerySchema, req.query, 'The query parameters are invalid; see errors.');
        const after = query.page_token ? decodePageToken('webhookIntegration', query.page_token) : undefined;
        const { rows, more } = await listWebhookIntegrations(prisma, { size: query.page_size, after });
        const last = rows.at(-1);
        return {
          status: 200,
          body: { items: rows.map(toView), ...(more && last ? { next_page_token: encodePageToken('webhookIntegration', last.id) } : {}) },
        };
      }),
    )
    .post(
      endpoint(security, ACTIONS.createIntegration, async ({ req }) => {
        const input = parseOrThrow(inputSchema, requireBody(req.body));
        const row = await createWebhookIntegration(deps.pool, input);
        return { status: 201, body: toView(row), headers: { ETag: etagOf(row), Location: `${BASE_PATH}/${row.id}` } };
      }),
    )
    .all(methodNotAllowed(['GET', 'POST']));

  router
    .route('/:id')
    .get(
      endpoint(security, ACTIONS.getIntegration, async ({ req }) => {
        const row = await readWebhookIntegration(deps.pool, idOf(req.params.id as string));
        return { status: 200, body: toView(row), headers: { ETag: etagOf(row) } };
      }),
    )
    .put(
      endpoint(security, ACTIONS.updateIntegration, async ({ req }) => {
        const id = idOf(req.params.id as string);
        const input = parseOrThrow(inputSchema, requireBody(req.body));
        const row = await replaceWebhookIntegration(prisma, id, input, req.get('if-match'));
        return { status: 200, body: toView(row), headers: { ETag: etagOf(row) } };
      }),
    )
    .patch(
      endpoint(security, ACTIONS.updateIntegration, async ({ req }) => {
        const id = idOf(req.params.id as string);
        const patch = parseOrThrow(patchSchema, requireBody(req.body));
        const row = await patchWebhookIntegration(prisma, id, patch, req.get('if-match'));
        return { status: 200, body: toView(row), headers: { ETag: etagOf(row) } };
      }),
    )
    .delete(
      endpoint(security, ACTIONS.deleteIntegration, async ({ req }) => {
        await deleteWebhookIntegration(deps.pool, idOf(req.params.id as string), req.get('if-match'));
        return { status: 204 };
      }),
    )
    .all(methodNotAllowed(['GET', 'PUT', 'PATCH', 'DELETE']));

  return router;
}
