import { ACTIONS } from '../authz/actions';
import { notFound } from '../errors';
import { route, type Route } from '../http/route';

/** `GET /v1/authorization-evaluations/{id}`: inspect an authorization event (the audit event's context.authz.eval). */
export function authorizationEvaluationRoutes(): Route[] {
  return [
    route({
      method: 'GET',
      path: '/v1/authorization-evaluations/{id}',
      operationId: 'getAuthorizationEvaluation',
      summary: 'Get an authorization event',
      tag: 'Authorization events',
      action: ACTIONS.getEvaluation,
      params: { id: 'evaluation' },
      responses: { 200: { description: 'The authorization event, as delivered to webhooks.' } },
      handler: async ({ params: { id }, db }) => {
        const { rows } = await db.query<{ payload: unknown }>('SELECT payload FROM authorization_evaluations WHERE id = $1', [id]);
        if (rows.length === 0) throw notFound(`Authorization evaluation ${id}`);
        return { status: 200, body: rows[0].payload };
      },
    }),
  ];
}
