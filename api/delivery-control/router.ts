import { ACTIONS } from '../authz/actions';
import { route, type Route } from '../http/route';
import { IntegrationSchema } from '../webhook-integrations/schema';
import { etagOf, readWebhookIntegration, toView } from '../webhook-integrations/store';
import { RecoverBodySchema, RecoverResultSchema } from './schema';
import { pauseIntegration, recoverDeliveries, resumeIntegration } from './store';
import type { Queryable } from '../queryable';
import type { SecretAccess } from '../authz/authorizer';
import type { IntegrationSecrets } from '../webhook-integrations/secrets';

const BASE = '/v1/webhook-integrations/{id}';
const params = { id: 'webhookIntegration' } as const;
const tag = 'Deliveries';

/** `POST /v1/webhook-integrations/{id}/pause`, `…/resume` and `…/recover`: an operator's control of deliveries. */
export function deliveryControlRoutes(deps: { integrationSecrets: IntegrationSecrets }): Route[] {
  /** The integration as GET shows it (header values redacted for those who may not read them), after a pause or resume. */
  const current = async (db: Queryable, id: string, secrets: SecretAccess) => {
    const row = await readWebhookIntegration(db, id);
    return { status: 200, body: toView(row, deps.integrationSecrets, secrets), headers: { ETag: etagOf(row) } };
  };
  const reveals = ACTIONS.readHeaderValues;
  return [
    route({
      method: 'POST',
      path: `${BASE}/pause`,
      operationId: 'pauseWebhookIntegration',
      summary: 'Pause deliveries',
      description:
        'Sets the status to PAUSED: new events still queue for the integration, and nothing is attempted until it is resumed (attempts already in flight finish). Pausing changes no configuration (no new ETag) and a paused integration stays paused through URL changes and test events.',
      tag,
      action: ACTIONS.pauseIntegration,
      reveals,
      params,
      idempotent: true,
      responses: { 200: { description: 'The integration, PAUSED.', schema: IntegrationSchema, headers: ['ETag'] } },
      handler: async ({ params: { id }, db, secrets }) => {
        await pauseIntegration(db, id);
        return current(db, id, secrets);
      },
    }),
    route({
      method: 'POST',
      path: `${BASE}/resume`,
      operationId: 'resumeWebhookIntegration',
      summary: 'Resume deliveries',
      description:
        'Sets a PAUSED integration HEALTHY and sends what queued meanwhile, oldest first, within the destination\u2019s concurrency. An integration that is not paused is left as it is.',
      tag,
      action: ACTIONS.resumeIntegration,
      reveals,
      params,
      idempotent: true,
      responses: { 200: { description: 'The integration.', schema: IntegrationSchema, headers: ['ETag'] } },
      handler: async ({ params: { id }, db, secrets }) => {
        await resumeIntegration(db, id);
        return current(db, id, secrets);
      },
    }),
    route({
      method: 'POST',
      path: `${BASE}/recover`,
      operationId: 'recoverWebhookDeliveries',
      summary: 'Re-send failed deliveries',
      description:
        'Re-queues the FAILED deliveries created in [since, until) with the same webhook-id and a fresh retry budget, oldest first. Repeating the call while they are pending queues nothing more. Deliveries whose event is past retention stay FAILED.',
      tag,
      action: ACTIONS.recoverDeliveries,
      params,
      body: { schema: RecoverBodySchema, required: true },
      transaction: true,
      idempotent: true,
      responses: { 202: { description: 'Queued.', schema: RecoverResultSchema } },
      handler: async ({ params: { id }, body, tx }) => {
        const since = new Date(body.since);
        const until = body.until ? new Date(body.until) : new Date();
        const queued = await recoverDeliveries(tx, id, { since, until });
        return { status: 202, body: { queued, since: since.toISOString(), until: until.toISOString() } };
      },
    }),
  ];
}
