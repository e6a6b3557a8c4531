import { ACTIONS } from '../authz/actions';
import { decodePageToken, encodePageToken } from '../http/pagination';
import { route, type Route } from '../http/route';
import { ProxySessionListQuerySchema, ProxySessionListSchema, ProxySessionSchema } from './schema';
import { endProxySession, getProxySession, listProxySessions, startProxySession } from './store';

const tag = 'Access requests and grants';

/** `/v1/grants/{id}/proxy-sessions` and `/v1/proxy-sessions/{id}`: sessions through the access proxy. */
export function proxySessionRoutes(): Route[] {
  return [
    route({
      method: 'POST',
      path: '/v1/grants/{id}/proxy-sessions',
      operationId: 'startProxySession',
      summary: 'Start a proxy session',
      description: 'On an ACTIVE grant (409 otherwise): emits proxy.session.started. The session ends on request or when the grant closes.',
      tag,
      action: ACTIONS.startProxySession,
      params: { id: 'grant' },
      transaction: true,
      idempotent: true,
      errors: ['conflict'],
      responses: { 201: { description: 'The session.', schema: ProxySessionSchema, headers: ['Location'] } },
      handler: async ({ params, principal, cause, tx }) => {
        const session = await startProxySession(tx, params.id, `${principal.type}::"${principal.id}"`, cause);
        return { status: 201, body: session, headers: { Location: `/v1/proxy-sessions/${session.id}` } };
      },
    }),
    route({
      method: 'GET',
      path: '/v1/grants/{id}/proxy-sessions',
      operationId: 'listProxySessions',
      summary: 'List the proxy sessions of a grant',
      tag,
      action: ACTIONS.listProxySessions,
      params: { id: 'grant' },
      query: ProxySessionListQuerySchema,
      responses: { 200: { description: 'A page of sessions, oldest first.', schema: ProxySessionListSchema } },
      handler: async ({ params, query, db }) => {
        const after = query.page_token ? decodePageToken('proxySession', query.page_token) : undefined;
        const { rows, more } = await listProxySessions(db, params.id, { size: query.page_size, after });
        const last = rows.at(-1);
        return { status: 200, body: { items: rows, ...(more && last ? { next_page_token: encodePageToken('proxySession', last.id) } : {}) } };
      },
    }),
    route({
      method: 'GET',
      path: '/v1/proxy-sessions/{id}',
      operationId: 'getProxySession',
      summary: 'Get a proxy session',
      tag,
      action: ACTIONS.getProxySession,
      params: { id: 'proxySession' },
      responses: { 200: { description: 'The session.', schema: ProxySessionSchema } },
      handler: async ({ params, db }) => ({ status: 200, body: await getProxySession(db, params.id) }),
    }),
    route({
      method: 'POST',
      path: '/v1/proxy-sessions/{id}/end',
      operationId: 'endProxySession',
      summary: 'End a proxy session',
      description: 'Emits proxy.session.ended; 409 when the session has already ended.',
      tag,
      action: ACTIONS.endProxySession,
      params: { id: 'proxySession' },
      transaction: true,
      idempotent: true,
      errors: ['conflict'],
      responses: { 200: { description: 'The ended session.', schema: ProxySessionSchema } },
      handler: async ({ params, cause, tx }) => ({ status: 200, body: await endProxySession(tx, params.id, cause) }),
    }),
  ];
}
