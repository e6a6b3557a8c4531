import { z } from 'zod';
import { idPattern } from '../../contract';
import { EntitySchema } from '../audit-events/schema';

/**
 * The authorization event, field for field as in Common Fate's example. The authorizer builds events of the type
 * inferred here, and /openapi.json `webhooks` publishes the JSON Schema generated from it.
 */
export const AuthorizationEventSchema = z
  .object({
    id: z.string().regex(new RegExp(idPattern('evaluation'))).meta({ description: 'The evaluation id; also the `webhook-id` header.' }),
    request: z.object({
      principal: EntitySchema.meta({ description: 'Who called: `CF::Service` (API keys, client credentials) or `CF::User`.' }),
      action: z.object({
        type: z.literal('CF::RPC::Action'),
        id: z.string().meta({ example: 'commonfate.control.integration.v1alpha1.IntegrationService/GetIntegration' }),
      }),
      resource: EntitySchema,
      client_key: z.string(),
      overlay_entities: z.array(z.unknown()),
      overlay_children: z.array(z.unknown()),
      tags: z.array(z.object({ key: z.string(), value: z.string() })).meta({ description: '`read_only`: whether the action only reads.' }),
    }),
    decision: z.union([z.literal(2), z.literal(4)]).meta({ description: '2 = allow, 4 = deny.' }),
    diagnostics: z.object({
      reason: z.array(z.string()).meta({ description: 'The ids of the policies that decided.' }),
      errors: z.array(z.string()),
      annotations: z.array(z.unknown()),
    }),
    client_key: z.string(),
    evaluated_at: z.iso.datetime({ offset: true }).meta({ description: 'RFC 3339, microseconds, UTC.' }),
    evaluation_duration: z
      .string()
      .regex(/^\d+(\.\d+)?s$/)
      .meta({ description: 'Seconds with an `s` suffix.', example: '0.000228485s' }),
    allowed: z.boolean(),
  })
  .meta({ id: 'AuthorizationEvent', description: 'An authorization event: one per API call, allowed or denied.' });

export type AuthorizationEvent = z.infer<typeof AuthorizationEventSchema>;
