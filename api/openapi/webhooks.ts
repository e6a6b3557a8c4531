import type { z } from 'zod';
import { AUDIT_ACTIONS, AUDIT_ACTION_DESCRIPTIONS, STANDARD_WEBHOOK_HEADERS } from '../../contract';
import { AuditEventSchema } from '../audit-events/schema';
import { AuthorizationEventSchema } from '../authorization-evaluations/schema';
import { TestEventSchema } from '../delivery/schema';
import { signatureHeader } from '../delivery/signature';
import auditExample from './examples/audit-log-event.json';
import authorizationExample from './examples/authorization-event.json';
import { schemaOf } from './schemas';

/**
 * The outgoing events as OpenAPI 3.1 `webhooks`: what a receiver gets, with the JSON Schema generated from the
 * zod schema the events are built against, the Standard Webhooks headers and a worked signature example.
 */
type Json = Record<string, unknown>;

/** A secret for the worked example only: it signs nothing real. */
export const EXAMPLE_SECRET = 'whsec_' + Buffer.from('commonfate-example-signing-key!!').toString('base64');

/** The worked example of one event: its headers as sent, and the string the signature covers. */
export function workedExample(event: { id: string }, timestampSeconds: number) {
  const body = JSON.stringify(event);
  return {
    body,
    headers: {
      'webhook-id': event.id,
      'webhook-timestamp': String(timestampSeconds),
      'webhook-signature': signatureHeader([EXAMPLE_SECRET], event.id, timestampSeconds, body),
    },
  };
}

const HEADER_DESCRIPTIONS: Record<(typeof STANDARD_WEBHOOK_HEADERS)[number], string> = {
  'webhook-id': 'The event id (`evt_…` or `eval_…`), the same on every retry: deduplicate on it (delivery is at least once).',
  'webhook-timestamp': 'Unix seconds of this attempt. Refuse messages far from your clock (Standard Webhooks libraries allow 5 minutes).',
  'webhook-signature':
    'Space-separated `v1,<base64 HMAC-SHA256>` signatures of `<webhook-id>.<webhook-timestamp>.<body>`, keyed with the base64-decoded part of the integration\'s `whsec_` secret. During a rotation the previous secret signs too: accept any one that verifies.',
};

function headerParameters(example: Record<string, string>): Json[] {
  return STANDARD_WEBHOOK_HEADERS.map((name) => ({
    name,
    in: 'header',
    required: true,
    description: HEADER_DESCRIPTIONS[name],
    schema: { type: 'string' },
    example: example[name],
  }));
}

const RESPONSES = {
  '200': { description: 'Any 2xx: delivered; it is not sent again.' },
  '410': { description: 'Gone: the integration becomes DISABLED and its deliveries stop until a successful test or a URL change.' },
  default: {
    description:
      'Anything else (and timeouts, connection errors): retried on the schedule (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h by default, ±20 % jitter); `Retry-After` replaces a scheduled delay.',
  },
};

function webhook(o: { operationId: string; summary: string; description: string; schema: z.ZodType; example: { id: string } & Json; timestamp: number }): Json {
  const worked = workedExample(o.example, o.timestamp);
  return {
    post: {
      operationId: o.operationId,
      summary: o.summary,
      description: `${o.description}\n\n**Worked signature example.** With the signing secret \`${EXAMPLE_SECRET}\`, the example body below sent as \`${worked.body.slice(0, 40)}…\` (compact JSON, exactly these bytes), \`webhook-id: ${worked.headers['webhook-id']}\` and \`webhook-timestamp: ${worked.headers['webhook-timestamp']}\`, the signed content is \`${worked.headers['webhook-id']}.${worked.headers['webhook-timestamp']}.<body>\` and \`webhook-signature\` is \`${worked.headers['webhook-signature']}\`. Verify with any Standard Webhooks library, e.g. npm \`standardwebhooks\`: \`new Webhook(secret).verify(body, headers)\`.`,
      security: [],
      parameters: headerParameters(worked.headers),
      requestBody: {
        required: true,
        content: { 'application/json': { schema: schemaOf(o.schema), examples: { example: { summary: 'Example', value: o.example } } } },
      },
      responses: RESPONSES,
    },
  };
}

/** The `webhooks` section: one entry per kind of event a receiver can get. */
export function webhooks(): Json {
  return {
    auditLogEvent: webhook({
      operationId: 'auditLogEvent',
      summary: 'Audit log event',
      description: `Sent to integrations with \`send_audit_log_events\` when a grant or proxy session changes; \`filter_for_actions\` (empty = all) picks actions. The \`action\` field is one of:\n\n${AUDIT_ACTIONS.map((a) => `- \`${a}\`: ${AUDIT_ACTION_DESCRIPTIONS[a]}`).join('\n')}`,
      schema: AuditEventSchema,
      example: auditExample,
      timestamp: Math.floor(Date.parse(auditExample.occurred_at) / 1000),
    }),
    authorizationEvent: webhook({
      operationId: 'authorizationEvent',
      summary: 'Authorization event',
      description: 'Sent to integrations with `send_authorization_events` for every API call, allowed or denied (`filter_for_actions` does not apply).',
      schema: AuthorizationEventSchema,
      example: authorizationExample,
      timestamp: Math.floor(Date.parse(authorizationExample.evaluated_at) / 1000),
    }),
    webhookTestEvent: webhook({
      operationId: 'webhookTestEvent',
      summary: 'Test event',
      description: 'Sent once, on request (`POST /v1/webhook-integrations/{id}/test`), to check a destination; never retried.',
      schema: TestEventSchema,
      example: {
        id: 'evt_2f0ChzJvrOOqchMhRmJieErz9Bl',
        type: 'webhook.test',
        message: 'A test event: the webhook integration is reachable and verifies signatures.',
        occurred_at: '2024-04-12T13:32:11.981Z',
      },
      timestamp: 1712928731,
    }),
  };
}
