import { z } from 'zod';
import { AUDIT_ACTIONS, AUDIT_ACTION_DESCRIPTIONS, idPattern } from '../../contract';

/**
 * The audit log event, field for field as in Common Fate's example (consumers code against this shape). The
 * TypeScript type the grant workflow builds events with is inferred from this schema, and the JSON Schema in
 * /openapi.json `webhooks` is generated from it: one source for what is sent and what is published.
 */
export const EntitySchema = z
  .object({ type: z.string().meta({ example: 'Access::Grant' }), id: z.string() })
  .meta({ id: 'Entity', description: 'A Cedar entity: its type and id.' });

export const AuditEventSchema = z
  .object({
    id: z.string().regex(new RegExp(idPattern('event'))).meta({ description: 'The event id; also the `webhook-id` header.' }),
    targets: z.array(EntitySchema).meta({
      description:
        'What the action affected: the entitlement (target, role), the `Access::Grant` and its `Access::Request`, then the `Access::ProxySession` for proxy session events.',
    }),
    action: z.enum(AUDIT_ACTIONS).meta({
      description: `What happened:\n${AUDIT_ACTIONS.map((a) => `- \`${a}\`: ${AUDIT_ACTION_DESCRIPTIONS[a]}`).join('\n')}`,
    }),
    caller_identity_chain: z
      .array(z.object({ id: EntitySchema }))
      .meta({ description: 'How the caller authenticated, outermost first (API key or OIDC token and subject, then the principal).' }),
    actor: z
      .object({ type: z.string(), id: z.string(), name: z.string(), email: z.string() })
      .meta({ description: 'Who acted; `CF::Service::"ControlPlane"` for steps the control plane takes itself.' }),
    message: z.string().meta({ description: 'A sentence for people.' }),
    context: z.object({
      request: z
        .object({ client_addr: z.string(), user_agent: z.string() })
        .meta({ description: "The causing API call's peer address and User-Agent; empty for the control plane's own steps." }),
      authz: z.object({
        eval: z
          .string()
          .regex(new RegExp(`^(${idPattern('evaluation').slice(1, -1)})?$`))
          .meta({ description: 'The authorization evaluation that allowed the causing call (GET /v1/authorization-evaluations/{id}); empty when none did (expiry).' }),
      }),
    }),
    occurred_at: z.iso.datetime({ offset: true }).meta({ description: 'RFC 3339 with microseconds and a numeric offset.' }),
    index: z.number().int().min(0).meta({ description: 'Order of events emitted together, from 0.' }),
  })
  .meta({ id: 'AuditLogEvent', description: 'An audit log event: a grant or proxy session changed.' });

export type AuditEvent = z.infer<typeof AuditEventSchema>;
