import { Router } from 'express';
import type { Pool } from 'pg';
import { z } from 'zod';
import { ACTIONS } from '../authz/actions';
import { endpoint, type Security } from '../http/endpoint';
import { decodePageToken, pageOf, pageQueryFields } from '../http/pagination';
import { methodNotAllowed } from '../http/middleware';
import { parseOrThrow } from '../http/validate';
import { AUDIT_ACTIONS } from '../../contract';

export const AuditEventsQuerySchema = z.strictObject({
  action: z
    .enum(AUDIT_ACTIONS, { message: `must be one of: ${AUDIT_ACTIONS.join(', ')}` })
    .optional()
    .meta({ description: 'Only events with this action.' }),
  ...pageQueryFields,
});

/** `GET /v1/audit-events`: the audit log, oldest first, exactly as delivered to webhooks. */
export function auditEventsRouter(deps: { pool: Pool; security: Security }): Router {
  const router = Router();
  router
    .route('/')
    .get(
      endpoint(deps.security, ACTIONS.queryAuditEvents, async ({ req }) => {
        const q = parseOrThrow(AuditEventsQuerySchema, req.query, 'The query parameters are invalid; see errors.');
        const after = q.page_token ? decodePageToken('event', q.page_token) : '';
        const { rows } = await deps.pool.query<{ id: string; payload: unknown }>(
          // Ordered by occurrence (microseconds; events of one transaction are in emission order), then id.
          `SELECT id, payload FROM audit_events
           WHERE ($1 = '' OR (occurred_at, id) > (SELECT occurred_at, id FROM audit_events WHERE id = $1))
             AND ($2::text IS NULL OR action = $2)
           ORDER BY occurred_at, id LIMIT $3`,
          [after, q.action ?? null, q.page_size + 1],
        );
        const page = pageOf('event', rows, q.page_size, (r) => r.id);
        return { status: 200, body: { ...page, items: page.items.map((r) => r.payload) } };
      }),
    )
    .all(methodNotAllowed(['GET']));
  return router;
}
