import { Router } from 'express';
import type { Pool } from 'pg';
import { ACTIONS } from '../authz/actions';
import type { RpcAction } from '../authz/actions';
import { endpoint, type Security } from '../http/endpoint';
import { notFound, validationError } from '../errors';
import { methodNotAllowed } from '../http/middleware';
import { parseOrThrow } from '../http/validate';
import { isId } from '../ids';
import { AccessRequestInputSchema, ExtendInputSchema } from './schema';
import { getAccessRequest, getGrant, requestAccess, transitionGrant, type GrantCommand } from './workflow';

function body(raw: unknown, optional = false): unknown {
  if (raw === undefined) {
    if (optional) return {};
    throw validationError([{ path: '', message: 'a JSON object body is required (Content-Type: application/json)' }]);
  }
  return raw;
}

/** `/v1/access-requests`: request access to an entitlement (creates the request and its grant). */
export function accessRequestsRouter(deps: { pool: Pool; security: Security }): Router {
  const router = Router();
  router
    .route('/')
    .post(
      endpoint(deps.security, ACTIONS.createAccessRequest, async (ctx) => {
        const input = parseOrThrow(AccessRequestInputSchema, body(ctx.req.body));
        const requestedBy = `${ctx.principal.type}::"${ctx.principal.id}"`;
        const created = await requestAccess(deps.pool, input, requestedBy, ctx.cause);
        return { status: 201, body: created, headers: { Location: `/v1/access-requests/${created.id}` } };
      }),
    )
    .all(methodNotAllowed(['POST']));
  router
    .route('/:id')
    .get(
      endpoint(deps.security, ACTIONS.getAccessRequest, async ({ req }) => {
        const id = req.params.id as string;
        if (!isId('request', id)) throw notFound(`Access request ${id.slice(0, 64)}`);
        return { status: 200, body: await getAccessRequest(deps.pool, id) };
      }),
    )
    .all(methodNotAllowed(['GET']));
  return router;
}

const COMMANDS: Record<GrantCommand, RpcAction> = {
  approve: ACTIONS.approveGrant,
  activate: ACTIONS.activateGrant,
  extend: ACTIONS.extendGrant,
  cancel: ACTIONS.cancelGrant,
  revoke: ACTIONS.revokeGrant,
};

/** `/v1/grants/{id}` and its lifecycle commands; an illegal transition answers 409. */
export function grantsRouter(deps: { pool: Pool; security: Security }): Router {
  const router = Router();
  const idOf = (raw: string) => {
    if (!isId('grant', raw)) throw notFound(`Grant ${raw.slice(0, 64)}`);
    return raw;
  };
  router
    .route('/:id')
    .get(
      endpoint(deps.security, ACTIONS.getGrant, async ({ req }) => ({
        status: 200,
        body: await getGrant(deps.pool, idOf(req.params.id as string)),
      })),
    )
    .all(methodNotAllowed(['GET']));
  for (const [command, action] of Object.entries(COMMANDS) as Array<[GrantCommand, RpcAction]>) {
    router
      .route(`/:id/${command}`)
      .post(
        endpoint(deps.security, action, async (ctx) => {
          const id = idOf(ctx.req.params.id as string);
          const extend = command === 'extend' ? parseOrThrow(ExtendInputSchema, body(ctx.req.body, true)) : undefined;
          const grant = await transitionGrant(deps.pool, id, command, ctx.cause, extend?.duration_seconds);
          return { status: 200, body: grant };
        }),
      )
      .all(methodNotAllowed(['POST']));
  }
  return router;
}
