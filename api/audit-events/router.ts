import { z } from 'zod';
import { AUDIT_ACTIONS } from '../../contract';
import { ACTIONS } from '../authz/actions';
import { decodePageToken, pageOf, pageQueryFields } from '../http/pagination';
import { route, type Route } from '../http/route';

export const AuditEventsQuerySchema = z.strictObject({
  action: z
    .enum(AUDIT_ACTIONS, { message: `must be one of: ${AUDIT_ACTIONS.join(', ')}` })
    .optional()
    .meta({ description: 'Only events with this action.' }),
  order: z
    .enum(['asc', 'desc'], { message: 'must be asc or desc' })
    .default('asc')
    .meta({ description: '`asc`: oldest first (the default); `desc`: newest first. Send the same order with the page tokens of its pages.' }),
  ...pageQueryFields,
});

/** `GET /v1/audit-events`: the audit log, oldest first, exactly as delivered to webhooks. */
export function auditEventRoutes(): Route[] {
  return [
    route({
      method: 'GET',
      path: '/v1/audit-events',
      operationId: 'listAuditEvents',
      summary: 'List audit events',
      description: 'The audit log, oldest first (or newest first with `order=desc`), each event exactly as delivered to webhooks.',
      tag: 'Audit log',
      action: ACTIONS.queryAuditEvents,
      query: AuditEventsQuerySchema,
      responses: { 200: { description: 'A page of audit events ({items, next_page_token}).' } },
      handler: async ({ query: q, db }) => {
        const after = q.page_token ? decodePageToken('event', q.page_token) : '';
        const desc = q.order === 'desc';
        const { rows } = await db.query<{ id: string; payload: unknown }>(
          // Ordered by occurrence (microseconds; events of one transaction are in emission order), then id; both
          // directions walk the (occurred_at, id) index.
          `SELECT id, payload FROM audit_events
           WHERE ($1 = '' OR (occurred_at, id) ${desc ? '<' : '>'} (SELECT occurred_at, id FROM audit_events WHERE id = $1))
             AND ($2::text IS NULL OR action = $2)
           ORDER BY occurred_at ${desc ? 'DESC' : ''}, id ${desc ? 'DESC' : ''} LIMIT $3`,
          [after, q.action ?? null, q.page_size + 1],
        );
        const page = pageOf('event', rows, q.page_size, (r) => r.id);
        return { status: 200, body: { ...page, items: page.items.map((r) => r.payload) } };
      },
    }),
  ];
}
