import { ACTIONS } from '../authz/actions';
import type { RpcAction } from '../authz/actions';
import { route, type Route } from '../http/route';
import { AccessRequestInputSchema, AccessRequestSchema, ExtendInputSchema, GrantSchema } from './schema';
import { getAccessRequest, getGrant, requestAccess, transitionGrant, type GrantCommand } from './workflow';

const tag = 'Access requests and grants';
const grant = { id: 'grant' } as const;

/** The grant commands: the action that decides each, and what it does. */
const COMMANDS: Record<GrantCommand, { action: RpcAction; summary: string; description: string }> = {
  approve: { action: ACTIONS.approveGrant, summary: 'Approve a grant', description: 'PENDING -> APPROVED (grant.approved).' },
  activate: {
    action: ACTIONS.activateGrant,
    summary: 'Activate a grant',
    description: 'APPROVED -> ACTIVE (grant.activated); the worker then provisions (grant.provisioning_attempted, grant.provisioned or grant.provisioning_error).',
  },
  extend: { action: ACTIONS.extendGrant, summary: 'Extend a grant', description: 'ACTIVE: moves the expiry later (grant.extended).' },
  cancel: { action: ACTIONS.cancelGrant, summary: 'Cancel a grant', description: 'PENDING or APPROVED -> CLOSED (grant.cancelled).' },
  revoke: {
    action: ACTIONS.revokeGrant,
    summary: 'Revoke a grant',
    description: 'ACTIVE -> CLOSED (grant.revoked); the worker then deprovisions (grant.deprovisioned or grant.deprovisioning_error).',
  },
};

/** `/v1/access-requests` and `/v1/grants/{id}`: request access, read requests and grants, move grants on. */
export function grantRoutes(): Route[] {
  return [
    route({
      method: 'POST',
      path: '/v1/access-requests',
      operationId: 'createAccessRequest',
      summary: 'Request access',
      tag,
      action: ACTIONS.createAccessRequest,
      body: { schema: AccessRequestInputSchema, required: true },
      responses: { 201: { description: 'The request and its PENDING grant (grant.requested).', schema: AccessRequestSchema, headers: ['Location'] } },
      handler: async ({ body, principal, cause, db }) => {
        const created = await requestAccess(db, body, `${principal.type}::"${principal.id}"`, cause);
        return { status: 201, body: created, headers: { Location: `/v1/access-requests/${created.id}` } };
      },
    }),
    route({
      method: 'GET',
      path: '/v1/access-requests/{id}',
      operationId: 'getAccessRequest',
      summary: 'Get an access request',
      tag,
      action: ACTIONS.getAccessRequest,
      params: { id: 'request' },
      responses: { 200: { description: 'The request and its grant.', schema: AccessRequestSchema } },
      handler: async ({ params, db }) => ({ status: 200, body: await getAccessRequest(db, params.id) }),
    }),
    route({
      method: 'GET',
      path: '/v1/grants/{id}',
      operationId: 'getGrant',
      summary: 'Get a grant',
      tag,
      action: ACTIONS.getGrant,
      params: grant,
      responses: { 200: { description: 'The grant.', schema: GrantSchema } },
      handler: async ({ params, db }) => ({ status: 200, body: await getGrant(db, params.id) }),
    }),
    ...(Object.entries(COMMANDS) as Array<[GrantCommand, (typeof COMMANDS)[GrantCommand]]>).map(([command, c]) =>
      route({
        method: 'POST',
        path: `/v1/grants/{id}/${command}`,
        operationId: `${command}Grant`,
        summary: c.summary,
        description: c.description,
        tag,
        action: c.action,
        params: grant,
        ...(command === 'extend' ? { body: { schema: ExtendInputSchema, required: false } } : {}),
        errors: ['conflict'],
        responses: { 200: { description: 'The grant after the change.', schema: GrantSchema } },
        handler: async ({ params, body, cause, db }) => {
          const extend = (body as { duration_seconds?: number } | undefined)?.duration_seconds;
          return { status: 200, body: await transitionGrant(db, params.id, command, cause, extend) };
        },
      }),
    ),
  ];
}
