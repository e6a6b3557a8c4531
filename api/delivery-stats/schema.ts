import { z } from 'zod';

/** zod schemas of the delivery statistics (validate the query, generate /openapi.json). */

export const WINDOW_MINUTES = { default: 60, max: 1440 } as const;

const MINUTES_MESSAGE = `must be an integer from 1 to ${WINDOW_MINUTES.max}`;

export const StatsQuerySchema = z.strictObject({
  minutes: z.coerce
    .number({ message: MINUTES_MESSAGE })
    .int(MINUTES_MESSAGE)
    .min(1, MINUTES_MESSAGE)
    .max(WINDOW_MINUTES.max, MINUTES_MESSAGE)
    .default(WINDOW_MINUTES.default)
    .meta({ description: `The window: this many whole minutes up to the end of the current one. Default ${WINDOW_MINUTES.default}, at most ${WINDOW_MINUTES.max}.` }),
});

const window = {
  window_start: z.iso.datetime({ offset: true }).meta({ description: 'Start of the window (a whole minute).' }),
  window_end: z.iso.datetime({ offset: true }).meta({ description: 'End of the window: the end of the current minute, so the last bucket is still filling.' }),
};

const totals = {
  deliveries: z.number().int().meta({ description: 'Deliveries with at least one attempt in the window.' }),
  attempts: z.number().int(),
  succeeded: z.number().int().meta({ description: 'Attempts answered with a 2xx.' }),
  success_rate: z.number().min(0).max(1).nullable().meta({ description: 'succeeded ÷ attempts; null without attempts.' }),
};

export const StatsBucketSchema = z
  .object({
    start: z.iso.datetime({ offset: true }),
    succeeded: z.number().int().meta({ description: 'Attempts answered with a 2xx.' }),
    failed_status: z.number().int().meta({ description: 'Attempts answered with any other status.' }),
    no_response: z.number().int().meta({ description: 'Attempts that got no response (timeout, connection error, refused by the SSRF policy).' }),
    latency_p50_ms: z.number().nullable().meta({ description: 'Median attempt duration; null without attempts.' }),
    latency_p99_ms: z.number().nullable().meta({ description: '99th percentile of attempt durations; null without attempts.' }),
  })
  .meta({ id: 'DeliveryStatsBucket', description: 'One minute of attempts.' });

export const IntegrationStatsSchema = z
  .object({
    integration_id: z.string(),
    ...window,
    bucket_seconds: z.literal(60),
    totals: z.object({ ...totals, pending: z.number().int().meta({ description: 'Deliveries waiting for an attempt now (any age).' }) }),
    buckets: z.array(StatsBucketSchema).meta({ description: 'Every minute of the window, oldest first, empty ones included.' }),
  })
  .meta({ id: 'WebhookIntegrationDeliveryStats' });

export const StatsSummarySchema = z
  .object({
    ...window,
    items: z
      .array(z.object({ integration_id: z.string(), ...totals }))
      .meta({ description: 'One item per integration with attempts in the window; integrations without any are left out.' }),
  })
  .meta({ id: 'DeliveryStatsSummary' });

export type IntegrationStats = z.infer<typeof IntegrationStatsSchema>;
export type StatsSummary = z.infer<typeof StatsSummarySchema>;
