import type { AuditAction } from '../../contract';
import { nowMicros, occurredAt, type AuditEvent, type Cause } from '../audit-events/event';
import { newId } from '../ids';
import type { GrantRow } from './store';

/** Each action's message, after the role it is about ("<role> access was approved"). */
const MESSAGES = {
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
  'grant.breakglass_activated': 'access was activated by breakglass',
  'grant.force_closed': 'access was force-closed',
  'proxy.session.started': 'proxy session was started',
  'proxy.session.ended': 'proxy session ended',
} as const satisfies Record<AuditAction, string>;

/** One event to emit: an action on the grant, and the proxy session it concerns, if any. */
export type GrantEventSpec = AuditAction | { action: AuditAction; sessionId: string };

/**
 * The audit events for `specs` on `grant`, indexed in order. Targets are the entitlement (target, role), the
 * grant and its request, then the proxy session where the event is about one.
 */
export function grantEvents(grant: GrantRow, specs: readonly GrantEventSpec[], cause: Cause): AuditEvent[] {
  // Events emitted together are a microsecond apart, in order (integer microseconds: adding fractions of a
  // millisecond to a double could round two of them to the same instant), so the audit log sorts them as they
  // happened.
  const base = nowMicros();
  return specs.map((spec, index) => {
    const { action, sessionId } = typeof spec === 'string' ? { action: spec, sessionId: undefined } : spec;
    return {
      id: newId('event'),
      targets: [
        { type: grant.target_type, id: grant.target_id },
        { type: grant.role_type, id: grant.role_id },
        { type: 'Access::Grant', id: grant.id },
        { type: 'Access::Request', id: grant.request_id },
        ...(sessionId ? [{ type: 'Access::ProxySession', id: sessionId }] : []),
      ],
      action,
      caller_identity_chain: cause.chain,
      actor: cause.actor,
      message: `${grant.role_id} ${MESSAGES[action]}`,
      context: { request: { client_addr: cause.clientAddr, user_agent: cause.userAgent }, authz: { eval: cause.evalId } },
      occurred_at: occurredAt(base + index),
      index,
    };
  });
}
