import { ACTIONS } from '../authz/actions';
import { route, type Route } from '../http/route';
import { IntegrationStatsSchema, StatsQuerySchema, StatsSummarySchema } from './schema';
import { integrationStats, statsSummary } from './store';

/**
 * Delivery statistics over a recent window, aggregated by the database: per integration per minute (charts),
 * and per integration for the whole window (health columns of a list).
 */
export function deliveryStatsRoutes(): Route[] {
  return [
    route({
      method: 'GET',
      path: '/v1/webhook-integrations/{id}/delivery-stats',
      operationId: 'getWebhookDeliveryStats',
      summary: 'Delivery statistics of an integration',
      description:
        'Attempts per minute by outcome (2xx, other status, no response) and attempt latency (p50, p99), for every minute of the window, with the window’s totals and the current backlog.',
      tag: 'Deliveries',
      action: ACTIONS.getDeliveryStats,
      params: { id: 'webhookIntegration' },
      query: StatsQuerySchema,
      responses: { 200: { description: 'The statistics.', schema: IntegrationStatsSchema } },
      handler: async ({ params, query, db }) => ({ status: 200, body: await integrationStats(db, params.id, query.minutes) }),
    }),
    route({
      method: 'GET',
      path: '/v1/delivery-stats',
      operationId: 'getDeliveryStatsSummary',
      summary: 'Delivery statistics of every integration',
      description: 'Deliveries, attempts and success rate in the window, per integration with attempts in it.',
      tag: 'Deliveries',
      action: ACTIONS.getDeliveryStats,
      query: StatsQuerySchema,
      responses: { 200: { description: 'The statistics.', schema: StatsSummarySchema } },
      handler: async ({ query, db }) => ({ status: 200, body: await statsSummary(db, query.minutes) }),
    }),
  ];
}
