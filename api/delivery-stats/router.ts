import { ACTIONS } from '../authz/actions';
import { route, type Route } from '../http/route';
import type { Queryable } from '../queryable';
import { IntegrationStatsSchema, StatsQuerySchema, StatsSummarySchema, type StatsSummary } from './schema';
import { integrationStats, statsSummary } from './store';

/** How long one computation of the summary is shared, in milliseconds. */
export const SUMMARY_SHARED_MS = 10_000;

/**
 * The summary is the same for every caller and its cost grows with the window's attempts, while every open
 * dashboard polls it: one computation per window length is shared for SUMMARY_SHARED_MS (a failure is not).
 */
function sharedSummary(): (db: Queryable, minutes: number) => Promise<StatsSummary> {
  const memo = new Map<number, { until: number; value: Promise<StatsSummary> }>();
  return (db, minutes) => {
    const hit = memo.get(minutes);
    if (hit && hit.until > Date.now()) return hit.value;
    const value = statsSummary(db, minutes);
    memo.set(minutes, { until: Date.now() + SUMMARY_SHARED_MS, value });
    value.catch(() => memo.delete(minutes));
    return value;
  };
}

/**
 * Delivery statistics over a recent window, aggregated by the database: per integration per minute (charts),
 * and per integration for the whole window (health columns of a list).
 */
export function deliveryStatsRoutes(): Route[] {
  const summary = sharedSummary();
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
      description: `Deliveries, attempts and success rate in the window, per integration with attempts in it. One computation is shared by every caller for ${SUMMARY_SHARED_MS / 1000} s.`,
      tag: 'Deliveries',
      action: ACTIONS.getDeliveryStats,
      query: StatsQuerySchema,
      responses: { 200: { description: 'The statistics.', schema: StatsSummarySchema } },
      handler: async ({ query, db }) => ({ status: 200, body: await summary(db, query.minutes) }),
    }),
  ];
}
