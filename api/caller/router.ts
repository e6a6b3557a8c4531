import { z } from 'zod';
import type { Principal } from '../auth/principal';
import type { RpcAction } from '../authz/actions';
import { ACTIONS } from '../authz/actions';
import { route, type Route } from '../http/route';

export const CallerSchema = z
  .object({
    principal: z.object({
      type: z.enum(['CF::Service', 'CF::User']),
      id: z.string(),
      name: z.string().meta({ description: 'The API key name, or the token subject’s name.' }),
      role: z.enum(['admin', 'read_only']),
    }),
    operations: z
      .array(
        z.object({
          operation_id: z.string().meta({ example: 'retryWebhookDelivery' }),
          method: z.enum(['GET', 'PUT', 'POST', 'PATCH', 'DELETE']),
          path: z.string().meta({ example: '/v1/webhook-integrations/{id}/deliveries/{delivery_id}/retry' }),
          action: z.string().meta({ description: 'The `CF::RPC::Action` id that decides the operation.' }),
          allowed: z.boolean().meta({ description: 'Whether the policies allow the caller this operation.' }),
        }),
      )
      .meta({ description: 'Every authenticated operation this API serves, in the order of /openapi.json paths.' }),
  })
  .meta({ id: 'Caller' });

/**
 * `GET /v1/caller`: who the caller is and which operations the Cedar policies let them call, so that a client
 * (the dashboard) offers only what will be allowed instead of guessing from a role name. Each answer is the
 * policies' own decision for that action; the operation itself is decided and recorded again when it is called.
 * Operations this build does not serve are absent, so a client can tell "not allowed" from "not there".
 */
export function callerRoutes(deps: { permits: (principal: Principal, action: RpcAction) => boolean; routes: () => readonly Route[] }): Route[] {
  return [
    route({
      method: 'GET',
      path: '/v1/caller',
      operationId: 'getCaller',
      summary: 'Who am I, and what may I do',
      description: 'The calling principal and, for every authenticated operation, whether the policies allow it to this caller.',
      tag: 'Caller',
      action: ACTIONS.getCallerPermissions,
      responses: { 200: { description: 'The caller and its permissions.', schema: CallerSchema } },
      handler: async ({ principal }) => ({
        status: 200,
        body: {
          principal: { type: principal.type, id: principal.id, name: principal.name, role: principal.role },
          operations: deps.routes().flatMap((r) =>
            r.action === null
              ? []
              : [{ operation_id: r.operationId, method: r.method, path: r.path, action: r.action.id, allowed: deps.permits(principal, r.action) }],
          ),
        },
      }),
    }),
  ];
}
