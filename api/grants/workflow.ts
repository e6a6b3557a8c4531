import type { Pool, PoolClient } from 'pg';
import { emitAuditEvents } from '../audit-events/emit';
import { occurredAt, type AuditEvent, type Cause } from '../audit-events/event';
import { withTransaction } from '../db/transaction';
import { conflict, notFound } from '../errors';
import { newId } from '../ids';
import type { AuditAction } from '../../contract';
import type { AccessRequestInput, AccessRequestView, GrantView } from './schema';

/**
 * The grant lifecycle. Every transition runs in one transaction that locks the grant, checks the move is legal
 * (409 otherwise), updates it and stores its audit events with their deliveries, so an event exists exactly
 * when its change does.
 *
 *   PENDING --approve--> APPROVED --activate--> ACTIVE --revoke / expiry--> CLOSED
 *      \__________cancel_____________/   (extend keeps ACTIVE; the worker provisions and deprovisions)
 */

export interface GrantRow {
  id: string;
  request_id: string;
  target_type: string;
  target_id: string;
  role_type: string;
  role_id: string;
  status: GrantView['status'];
  provisioning: GrantView['provisioning'];
  duration_seconds: number;
  activated_at: Date | null;
  expires_at: Date | null;
  closed_reason: GrantView['closed_reason'];
  cause_eval: string;
  last_error: string | null;
  created_at: Date;
  updated_at: Date;
}

/** The notification that wakes grant workers (activation, revocation). */
export const GRANTS_CHANNEL = 'grants_due';

export function grantView(row: GrantRow): GrantView {
  return {
    id: row.id,
    request_id: row.request_id,
    target: { type: row.target_type, id: row.target_id },
    role: { type: row.role_type, id: row.role_id },
    status: row.status,
    provisioning: row.provisioning,
    duration_seconds: row.duration_seconds,
    activated_at: row.activated_at?.toISOString() ?? null,
    expires_at: row.expires_at?.toISOString() ?? null,
    closed_reason: row.closed_reason,
    last_error: row.last_error,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

const MESSAGES: Record<AuditAction, string> = {
  'grant.requested': 'access was requested',
  'grant.approved': 'access was approved',
  'grant.activated': 'access was activated',
  'grant.provisioned': 'access was provisioned',
  'grant.provisioning_attempted': 'access provisioning was attempted',
  'grant.extended': 'access was extended',
  'grant.deprovisioned': 'access was deprovisioned',
  'grant.cancelled': 'pending access was cancelled',
  'grant.revoked': 'active access was revoked',
  'grant.provisioning_error': 'access provisioning failed',
  'grant.deprovisioning_error': 'access deprovisioning failed',
};

/** The audit events for `actions` on `grant`, indexed in order. */
export function grantEvents(grant: GrantRow, actions: AuditAction[], cause: Cause): AuditEvent[] {
  // Events emitted together are a microsecond apart, in order, so the audit log sorts them as they happened.
  const base = performance.timeOrigin + performance.now();
  return actions.map((action, index) => ({
    id: newId('event'),
    targets: [
      { type: grant.target_type, id: grant.target_id },
      { type: grant.role_type, id: grant.role_id },
      { type: 'Access::Grant', id: grant.id },
      { type: 'Access::Request', id: grant.request_id },
    ],
    action,
    caller_identity_chain: cause.chain,
    actor: cause.actor,
    message: `${grant.role_id} ${MESSAGES[action]}`,
    context: { request: { client_addr: cause.clientAddr, user_agent: cause.userAgent }, authz: { eval: cause.evalId } },
    occurred_at: occurredAt(base + index / 1000),
    index,
  }));
}

export async function requestAccess(pool: Pool, input: AccessRequestInput, requestedBy: string, cause: Cause): Promise<AccessRequestView> {
  return withTransaction(pool, async (client) => {
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
  });
}

export async function getAccessRequest(pool: Pool, id: string): Promise<AccessRequestView> {
  const { rows } = await pool.query<{ requested_by: string; justification: string; duration_seconds: number; created_at: Date; grant_id: string }>(
    `SELECT r.requested_by, r.justification, r.duration_seconds, r.created_at, g.id AS grant_id
     FROM access_requests r JOIN grants g ON g.request_id = r.id WHERE r.id = $1`,
    [id],
  );
  if (rows.length === 0) throw notFound(`Access request ${id}`);
  const r = rows[0];
  return { id, requested_by: r.requested_by, justification: r.justification, duration_seconds: r.duration_seconds, created_at: r.created_at.toISOString(), grant: await getGrant(pool, r.grant_id) };
}

export async function getGrant(pool: Pool, id: string): Promise<GrantView> {
  const { rows } = await pool.query<GrantRow>('SELECT * FROM grants WHERE id = $1', [id]);
  if (rows.length === 0) throw notFound(`Grant ${id}`);
  return grantView(rows[0]);
}

export type GrantCommand = 'approve' | 'activate' | 'extend' | 'cancel' | 'revoke';

interface Transition {
  from: ReadonlyArray<GrantRow['status']>;
  action: AuditAction;
  /** SET clause; `p.eval` is the causing evaluation, `p.ext` the extension in seconds (or null). */
  set: string;
}

const TRANSITIONS = {
  approve: { from: ['PENDING'], action: 'grant.approved', set: `status = 'APPROVED'` },
  activate: {
    from: ['APPROVED'],
    action: 'grant.activated',
    set: `status = 'ACTIVE', activated_at = now(), expires_at = now() + duration_seconds * interval '1 second',
          provisioning = 'PENDING', cause_eval = p.eval`,
  },
  extend: { from: ['ACTIVE'], action: 'grant.extended', set: `expires_at = expires_at + coalesce(p.ext, duration_seconds) * interval '1 second'` },
  cancel: { from: ['PENDING', 'APPROVED'], action: 'grant.cancelled', set: `status = 'CLOSED', closed_reason = 'cancelled'` },
  revoke: {
    from: ['ACTIVE'],
    action: 'grant.revoked',
    // Whatever was provisioned is removed by the worker; a grant never provisioned has nothing to remove.
    set: `status = 'CLOSED', closed_reason = 'revoked', cause_eval = p.eval,
          provisioning = CASE WHEN provisioning = 'PROVISIONED' THEN 'DEPROVISION_PENDING'::"ProvisioningStatus"
                              WHEN provisioning IN ('PENDING', 'ERROR') THEN 'NONE'::"ProvisioningStatus"
                              ELSE provisioning END`,
  },
} as const satisfies Record<GrantCommand, Transition>;

const WAKES_WORKER: ReadonlySet<GrantCommand> = new Set(['activate', 'revoke']);

/** Applies `command` to grant `id` on behalf of `cause`; 404 when absent, 409 when the grant's state forbids it. */
export async function transitionGrant(
  pool: Pool,
  id: string,
  command: GrantCommand,
  cause: Cause,
  extendSeconds?: number,
): Promise<GrantView> {
  const t: Transition = TRANSITIONS[command];
  return withTransaction(pool, async (client) => {
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
    await emitAuditEvents(client, grantEvents(rows[0], [t.action], cause), id);
    if (WAKES_WORKER.has(command)) await client.query(`SELECT pg_notify('${GRANTS_CHANNEL}', '')`);
    return grantView(rows[0]);
  });
}

async function lockGrant(client: PoolClient, id: string): Promise<GrantRow> {
  const { rows } = await client.query<GrantRow>('SELECT * FROM grants WHERE id = $1 FOR UPDATE', [id]);
  if (rows.length === 0) throw notFound(`Grant ${id}`);
  return rows[0];
}
