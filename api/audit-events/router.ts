import { Router } from 'express';
import type { Pool } from 'pg';
import { z } from 'zod';
import { ACTIONS } from '../authz/actions';
import { endpoint, type Security } from '../http/endpoint';
import { validationError } from '../http/errors';
import { methodNotAllowed } from '../http/middleware';
import { parseOrThrow } from '../http/validate';
import { isId } from '../ids';
import { AUDIT_ACTIONS } from '../webhook-integrations/rules';

export const AuditEventsQuerySchema = z.strictObject({
  action: z
    .enum(AUDIT_ACTIONS, { message: `must be one of: ${AUDIT_ACTIONS.join(', ')}` })
    .optional()
    .meta({ description: 'Only events with this action.' }),
  page_size: z.coerce
    .number({ message: 'must be an integer from 1 to 100' })
    .int('must be an integer from 1 to 100')
    .min(1, 'must be an integer from 1 to 100')
    .max(100, 'must be an integer from 1 to 100')
    .default(50)
    .meta({ description: 'Items per page, 1–100. Default 50.' }),
  page_token: z.string().optional().meta({ description: 'The `next_page_token` of the previous page.' }),
});

function decodeToken(token: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { a?: unknown };
    if (typeof parsed.a === 'string' && isId('event', parsed.a)) return parsed.a;
  } catch {
    /* fall through */
  }
  throw validationError([{ path: 'page_token', message: 'is not a page token this API issued' }]);
}

/** `GET /v1/audit-events`: the audit log, oldest first, exactly as delivered to webhooks. */
export function auditEventsRouter(deps: { pool: Pool; security: Security }): Router {
  const router = Router();
  router
    .route('/')
    .get(
      endpoint(deps.security, ACTIONS.queryAuditEvents, async ({ req }) => {
        const q = parseOrThrow(AuditEventsQuerySchema, req.query, 'The query parameters are invalid; see errors.');
        const after = q.page_token ? decodeToken(q.page_token) : '';
        const { rows } = await deps.pool.query<{ id: string; payload: unknown }>(
          // Ordered by occurrence (microseconds; events of one transaction are in emission order), then id.
          `SELECT id, payload FROM audit_events
           WHERE ($1 = '' OR (occurred_at, id) > (SELECT occurred_at, id FROM audit_events WHERE id = $1))
             AND ($2::text IS NULL OR action = $2)
           ORDER BY occurred_at, id LIMIT $3`,
          [after, q.action ?? null, q.page_size + 1],
        );
        const page = rows.slice(0, q.page_size);
        const more = rows.length > q.page_size;
        return {
          status: 200,
          body: {
            items: page.map((r) => r.payload),
            ...(more ? { next_page_token: Buffer.from(JSON.stringify({ a: page.at(-1)!.id })).toString('base64url') } : {}),
          },
        };
      }),
    )
    .all(methodNotAllowed(['GET']));
  return router;
}
