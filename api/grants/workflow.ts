import type { PoolClient } from 'pg';
import type { AuditAction } from '../../contract';
import { emitAuditEvents } from '../audit-events/emit';
import type { Cause } from '../audit-events/event';
import { conflict, notFound } from '../errors';
import { newId } from '../ids';
import { endSessionsOfGrant } from '../proxy-sessions/store';
import type { Queryable } from '../queryable';
import { grantEvents } from './events';
import type { AccessRequestInput, AccessRequestView, GrantView } from './schema';
import { GRANTS_CHANNEL, getGrant, grantView, lockGrant, type GrantRow } from './store';

// Re-exported for callers that predate the split into events.ts and store.ts.
export { grantEvents } from './events';
export { GRANTS_CHANNEL, type GrantRow } from './store';

/**
 * The grant lifecycle. Every transition runs in the caller's transaction: it locks the grant, checks the move is
 * legal (409 otherwise), updates it and stores its audit events with their deliveries, so an event exists
 * exactly when its change does.
 *
 *   PENDING --approve--> APPROVED --activate--> ACTIVE --revoke / expiry--> CLOSED
 *      |  \__________cancel_____________/    ^  (extend keeps ACTIVE; the worker provisions and deprovisions)
 *      \_______________breakglass_____________/
 *   force-close: PENDING, APPROVED or ACTIVE --> CLOSED (an administrator's override)
 *
 * Closing a grant ends its active proxy sessions in the same transaction (proxy.session.ended after the
 * grant's own event).
 */

export async function requestAccess(client: PoolClient, input: AccessRequestInput, requestedBy: string, cause: Cause): Promise<AccessRequestView> {
  const requestId = newId('request');
  const { rows: req } = await client.query<{ created_at: Date }>(
    `INSERT INTO access_requests (id, requested_by, justification, duration_seconds) VALUES ($1, $2, $3, $4) RETURNING created_at`,
    [requestId, requestedBy, input.justification, input.duration_seconds],
  );
  const { rows } = await client.query<GrantRow>(
    `INSERT INTO grants (id, request_id, target_type, target_id, role_type, role_id, duration_seconds)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
    [
      newId('grant'),
      requestId,
      input.entitlement.target.type,
      input.entitlement.target.id,
      input.entitlement.role.type,
      input.entitlement.role.id,
      input.duration_seconds,
    ],
  );
  await emitAuditEvents(client, grantEvents(rows[0], ['grant.requested'], cause), rows[0].id);
  return {
    id: requestId,
    requested_by: requestedBy,
    justification: input.justification,
    duration_seconds: input.duration_seconds,
    created_at: req[0].created_at.toISOString(),
    grant: grantView(rows[0]),
  };
}

export async function getAccessRequest(pool: Queryable, id: string): Promise<AccessRequestView> {
  const { rows } = await pool.query<{ requested_by: string; justification: string; duration_seconds: number; created_at: Date; grant_id: string }>(
    `SELECT r.requested_by, r.justification, r.duration_seconds, r.created_at, g.id AS grant_id
     FROM access_requests r JOIN grants g ON g.request_id = r.id WHERE r.id = $1`,
    [id],
  );
  if (rows.length === 0) throw notFound(`Access request ${id}`);
  const r = rows[0];
  return { id, requested_by: r.requested_by, justification: r.justification, duration_seconds: r.duration_seconds, created_at: r.created_at.toISOString(), grant: await getGrant(pool, r.grant_id) };
}

export type GrantCommand = 'approve' | 'activate' | 'extend' | 'cancel' | 'revoke' | 'breakglass' | 'force-close';

interface Transition {
  from: ReadonlyArray<GrantRow['status']>;
  action: AuditAction;
  /** SET clause; `p.eval` is the causing evaluation, `p.ext` the extension in seconds (or null). */
  set: string;
  /** The grant closes: its active proxy sessions end with it. */
  closes?: boolean;
  /** The worker has a step to do next (provisioning or deprovisioning). */
  wakesWorker?: boolean;
}

/** Whatever was provisioned is removed by the worker; a grant never provisioned has nothing to remove. */
const DEPROVISION = `provisioning = CASE WHEN provisioning = 'PROVISIONED' THEN 'DEPROVISION_PENDING'::"ProvisioningStatus"
                              WHEN provisioning IN ('PENDING', 'ERROR') THEN 'NONE'::"ProvisioningStatus"
                              ELSE provisioning END`;

const ACTIVATE = `status = 'ACTIVE', activated_at = now(), expires_at = now() + duration_seconds * interval '1 second',
          provisioning = 'PENDING', cause_eval = p.eval`;

const TRANSITIONS = {
  approve: { from: ['PENDING'], action: 'grant.approved', set: `status = 'APPROVED'` },
  activate: { from: ['APPROVED'], action: 'grant.activated', set: ACTIVATE, wakesWorker: true },
  // Breakglass skips approval; provisioning follows as for activate.
  breakglass: { from: ['PENDING'], action: 'grant.breakglass_activated', set: `${ACTIVATE}, breakglass = true`, wakesWorker: true },
  extend: { from: ['ACTIVE'], action: 'grant.extended', set: `expires_at = expires_at + coalesce(p.ext, duration_seconds) * interval '1 second'` },
  cancel: { from: ['PENDING', 'APPROVED'], action: 'grant.cancelled', set: `status = 'CLOSED', closed_reason = 'cancelled'`, closes: true },
  revoke: {
    from: ['ACTIVE'],
    action: 'grant.revoked',
    set: `status = 'CLOSED', closed_reason = 'revoked', cause_eval = p.eval, ${DEPROVISION}`,
    closes: true,
    wakesWorker: true,
  },
  'force-close': {
    from: ['PENDING', 'APPROVED', 'ACTIVE'],
    action: 'grant.force_closed',
    set: `status = 'CLOSED', closed_reason = 'force_closed', cause_eval = p.eval, ${DEPROVISION}`,
    closes: true,
    wakesWorker: true,
  },
} as const satisfies Record<GrantCommand, Transition>;

/**
 * Applies `command` to grant `id` on behalf of `cause`, in the caller's transaction; 404 when absent, 409 when the
 * grant's state forbids it.
 */
export async function transitionGrant(
  client: PoolClient,
  id: string,
  command: GrantCommand,
  cause: Cause,
  extendSeconds?: number,
): Promise<GrantView> {
  const t: Transition = TRANSITIONS[command];
  const current = await lockGrant(client, id);
  if (!t.from.includes(current.status)) {
    throw conflict(
      `Grant ${id} is ${current.status}${current.closed_reason ? ` (${current.closed_reason})` : ''}; ${command} needs it to be ${t.from.join(' or ')}.`,
    );
  }
  const { rows } = await client.query<GrantRow>(
    `WITH p AS (SELECT $2::text AS eval, $3::int AS ext)
     UPDATE grants SET ${t.set}, version = version + 1, updated_at = now() FROM p WHERE grants.id = $1 RETURNING grants.*`,
    [id, cause.evalId, extendSeconds ?? null],
  );
  const ended = t.closes ? await endSessionsOfGrant(client, id) : [];
  await emitAuditEvents(client, grantEvents(rows[0], [t.action, ...ended.map((sessionId) => ({ action: 'proxy.session.ended' as const, sessionId }))], cause), id);
  if (t.wakesWorker) await client.query(`SELECT pg_notify('${GRANTS_CHANNEL}', '')`);
  return grantView(rows[0]);
}
