import { z } from 'zod';
import { pageQueryFields, pageSchema } from '../http/pagination';

/** zod schemas of the delivery API (validate requests and generate /openapi.json). */

export const DELIVERY_STATUSES = ['PENDING', 'SUCCEEDED', 'FAILED'] as const;

export const DeliveryListQuerySchema = z.strictObject({
  status: z
    .enum(DELIVERY_STATUSES, { message: `must be one of: ${DELIVERY_STATUSES.join(', ')}` })
    .optional()
    .meta({ description: 'Only deliveries in this state.' }),
  ...pageQueryFields,
});

export const AttemptSchema = z.object({
  id: z.string().meta({ example: 'att_2f0ChzJvrOOqchMhRmJieErz9Bl' }),
  attempted_at: z.iso.datetime({ offset: true }),
  status_code: z.number().int().nullable().meta({ description: 'HTTP status of the response; null when none arrived.' }),
  duration_ms: z.number().int(),
  response_excerpt: z.string().nullable().meta({ description: 'The first 4 KiB of the response body.' }),
  error: z.string().nullable().meta({ description: 'Why no response arrived (timeout, refused by the SSRF policy, connection error).' }),
}).meta({ id: 'DeliveryAttempt' });

export const DeliverySchema = z.object({
  id: z.string().meta({ example: 'dlv_2f0ChzJvrOOqchMhRmJieErz9Bl' }),
  integration_id: z.string(),
  event_type: z.enum(['audit_log', 'authorization']),
  event_id: z.string().meta({ description: 'The event id, also sent as `webhook-id` on every attempt.' }),
  status: z.enum(DELIVERY_STATUSES),
  attempt_count: z.number().int(),
  next_attempt_at: z.iso.datetime({ offset: true }).nullable().meta({ description: 'When the next attempt is due (PENDING only).' }),
  last_status_code: z.number().int().nullable(),
  last_error: z.string().nullable(),
  created_at: z.iso.datetime({ offset: true }),
  updated_at: z.iso.datetime({ offset: true }),
  delivered_at: z.iso.datetime({ offset: true }).nullable(),
}).meta({ id: 'Delivery' });

export const DeliveryDetailSchema = DeliverySchema.extend({ attempts: z.array(AttemptSchema) }).meta({ id: 'DeliveryDetail' });

export const DeliveryListSchema = pageSchema(DeliverySchema, 'DeliveryList');

export const TestResultSchema = z.object({
  event_id: z.string(),
  delivered: z.boolean().meta({ description: 'Whether the destination answered 2xx.' }),
  attempt: AttemptSchema,
}).meta({ id: 'TestResult' });

export const SigningSecretSchema = z.object({
  secret: z.string().meta({ description: '`whsec_` + base64 of 32 random bytes; verify deliveries with it.' }),
  previous_secret_expires_at: z.iso
    .datetime({ offset: true })
    .nullable()
    .meta({ description: 'Until then the previous secret also signs every delivery (after a rotation).' }),
}).meta({ id: 'SigningSecret' });

export type DeliveryView = z.infer<typeof DeliverySchema>;
export type AttemptView = z.infer<typeof AttemptSchema>;

/** The event `POST /v1/webhook-integrations/{id}/test` sends (signed like every delivery, never queued). */
export const TestEventSchema = z
  .object({
    id: z.string().meta({ description: 'An `evt_` id; also the `webhook-id` header.' }),
    type: z.literal('webhook.test'),
    message: z.string(),
    occurred_at: z.iso.datetime({ offset: true }),
  })
  .meta({ id: 'WebhookTestEvent', description: 'A test event, sent on request to check a destination and its signature verification.' });

export type TestEvent = z.infer<typeof TestEventSchema>;

/** The integration's delivery circuit (read-only; see README "Event delivery"). The Terraform provider ignores it. */
export const CircuitSchema = z
  .object({
    state: z.enum(['CLOSED', 'OPEN', 'HALF_OPEN']).meta({
      description:
        'CLOSED: delivering normally. OPEN: the destination kept failing; one probe at a time, spaced out. HALF_OPEN: recovering; its limit doubles with each success until CLOSED.',
    }),
    max_in_flight: z.number().int().nullable().meta({ description: 'Attempts it may have in flight now; null while CLOSED (CF_WEBHOOK_CONCURRENCY_PER_DESTINATION applies).' }),
    consecutive_failures: z.number().int().meta({ description: 'Failures in a row when the state last changed.' }),
    changed_at: z.iso.datetime({ offset: true }).nullable().meta({ description: 'When the state last changed; null if it never has.' }),
    next_probe_at: z.iso.datetime({ offset: true }).nullable().meta({ description: 'While OPEN: when the next probe may be sent.' }),
  })
  .meta({ description: 'Read-only: the delivery circuit breaker of this destination, as last recorded by a worker.' });

export type CircuitView = z.infer<typeof CircuitSchema>;

/** The circuit columns of an integration row, as Prisma names them. */
export interface CircuitColumns {
  circuitState: CircuitView['state'];
  circuitMaxInFlight: number | null;
  circuitFailures: number;
  circuitChangedAt: Date | null;
  circuitNextProbeAt: Date | null;
}

export function circuitView(row: CircuitColumns): CircuitView {
  return {
    state: row.circuitState,
    max_in_flight: row.circuitMaxInFlight,
    consecutive_failures: row.circuitFailures,
    changed_at: row.circuitChangedAt?.toISOString() ?? null,
    next_probe_at: row.circuitState === 'OPEN' ? (row.circuitNextProbeAt?.toISOString() ?? null) : null,
  };
}

/** SQL select list of the circuit columns, named as CircuitColumns names them (for plain pg reads). */
export const CIRCUIT_COLUMNS = `circuit_state AS "circuitState", circuit_max_in_flight AS "circuitMaxInFlight",
  circuit_failures AS "circuitFailures", circuit_changed_at AS "circuitChangedAt", circuit_next_probe_at AS "circuitNextProbeAt"`;

/** Prisma update data that puts a circuit back to CLOSED (a new URL is a new destination). */
export const CLOSED_CIRCUIT = {
  circuitState: 'CLOSED',
  circuitMaxInFlight: null,
  circuitFailures: 0,
  circuitChangedAt: null,
  circuitNextProbeAt: null,
} as const;
