import { Router } from 'express';
import type { Pool } from 'pg';
import { ACTIONS } from '../authz/actions';
import { endpoint, type Security } from '../http/endpoint';
import { notFound } from '../errors';
import { methodNotAllowed } from '../http/middleware';
import { isId } from '../ids';

/** `GET /v1/authorization-evaluations/{id}`: inspect an authorization event (the audit event's context.authz.eval). */
export function authorizationEvaluationsRouter(deps: { pool: Pool; security: Security }): Router {
  const router = Router();
  router
    .route('/:id')
    .get(
      endpoint(deps.security, ACTIONS.getEvaluation, async ({ req }) => {
        const id = req.params.id as string;
        if (!isId('evaluation', id)) throw notFound(`Authorization evaluation ${id.slice(0, 64)}`);
        const { rows } = await deps.pool.query<{ payload: unknown }>(
          'SELECT payload FROM authorization_evaluations WHERE id = $1',
          [id],
        );
        if (rows.length === 0) throw notFound(`Authorization evaluation ${id}`);
        return { status: 200, body: rows[0].payload };
      }),
    )
    .all(methodNotAllowed(['GET']));
  return router;
}
