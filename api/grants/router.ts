import { ACTIONS } from '../authz/actions';
import type { RpcAction } from '../authz/actions';
import { route, type Route } from '../http/route';
import { AccessRequestInputSchema, AccessRequestSchema, ExtendInputSchema, GrantSchema } from './schema';
import { getGrant } from './store';
import { getAccessRequest, requestAccess, transitionGrant, type GrantCommand } from './workflow';

const tag = 'Access requests and grants';
const grant = { id: 'grant' } as const;
const afterChange = { 200: { description: 'The grant after the change.', schema: GrantSchema } };

/** The grant commands without a body: the action that decides each, and what it does. */
const COMMANDS: Record<Exclude<GrantCommand, 'extend'>, { action: RpcAction; operationId: string; summary: string; description: string }> = {
  approve: { action: ACTIONS.approveGrant, operationId: 'approveGrant', summary: 'Approve a grant', description: 'PENDING -> APPROVED (grant.approved).' },
  activate: {
    action: ACTIONS.activateGrant,
    operationId: 'activateGrant',
    summary: 'Activate a grant',
    description: 'APPROVED -> ACTIVE (grant.activated); the worker then provisions (grant.provisioning_attempted, grant.provisioned or grant.provisioning_error).',
  },
  breakglass: {
    action: ACTIONS.breakglassGrant,
    operationId: 'breakglassGrant',
    summary: 'Activate a grant by breakglass',
    description:
      'PENDING -> ACTIVE without approval (grant.breakglass_activated), for emergencies; then provisioning as for activate. Only admins may break glass (the policy forbids every other role).',
  },
  cancel: { action: ACTIONS.cancelGrant, operationId: 'cancelGrant', summary: 'Cancel a grant', description: 'PENDING or APPROVED -> CLOSED (grant.cancelled).' },
  revoke: {
    action: ACTIONS.revokeGrant,
    operationId: 'revokeGrant',
    summary: 'Revoke a grant',
    description:
      'ACTIVE -> CLOSED (grant.revoked), ending its proxy sessions (proxy.session.ended); the worker then deprovisions (grant.deprovisioned or grant.deprovisioning_error).',
  },
  'force-close': {
    action: ACTIONS.forceCloseGrant,
    operationId: 'forceCloseGrant',
    summary: 'Force-close a grant',
    description:
      'Any grant not yet CLOSED -> CLOSED (grant.force_closed), ending its proxy sessions (proxy.session.ended); a provisioned grant is then deprovisioned. Only admins may force-close.',
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
      transaction: true,
      idempotent: true,
      responses: { 201: { description: 'The request and its PENDING grant (grant.requested).', schema: AccessRequestSchema, headers: ['Location'] } },
      handler: async ({ body, principal, cause, tx }) => {
        const created = await requestAccess(tx, body, `${principal.type}::"${principal.id}"`, cause);
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
    ...(Object.entries(COMMANDS) as Array<[Exclude<GrantCommand, 'extend'>, (typeof COMMANDS)['approve']]>).map(([command, c]) =>
      route({
        method: 'POST',
        path: `/v1/grants/{id}/${command}`,
        operationId: c.operationId,
        summary: c.summary,
        description: c.description,
        tag,
        action: c.action,
        params: grant,
        transaction: true,
      idempotent: true,
        errors: ['conflict'],
        responses: afterChange,
        handler: async ({ params, cause, tx }) => ({ status: 200, body: await transitionGrant(tx, params.id, command, cause) }),
      }),
    ),
    route({
      method: 'POST',
      path: '/v1/grants/{id}/extend',
      operationId: 'extendGrant',
      summary: 'Extend a grant',
      description: 'ACTIVE: moves the expiry later (grant.extended). Send an Idempotency-Key to make a retry safe: each call extends again.',
      tag,
      action: ACTIONS.extendGrant,
      params: grant,
      body: { schema: ExtendInputSchema, required: false },
      transaction: true,
      idempotent: true,
      errors: ['conflict'],
      responses: afterChange,
      handler: async ({ params, body, cause, tx }) => ({
        status: 200,
        body: await transitionGrant(tx, params.id, 'extend', cause, body.duration_seconds),
      }),
    }),
  ];
}
