/**
 * Every audit log action the control plane emits, in the order Common Fate documents them: the eleven grant
 * actions of the webhook documentation, `grant.breakglass_activated` (added to that documentation later), then
 * the actions Common Fate's own example handler also handles (`grant.force_closed` and the proxy sessions).
 *
 * `filter_for_actions` accepts exactly these names, in the API, the Terraform provider and the CDKTF construct.
 */
export const AUDIT_ACTIONS = [
  'grant.requested',
  'grant.approved',
  'grant.activated',
  'grant.provisioned',
  'grant.provisioning_attempted',
  'grant.extended',
  'grant.deprovisioned',
  'grant.cancelled',
  'grant.revoked',
  'grant.provisioning_error',
  'grant.deprovisioning_error',
  'grant.breakglass_activated',
  'grant.force_closed',
  'proxy.session.started',
  'proxy.session.ended',
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** When each action is emitted, for people (documentation, OpenAPI `webhooks`). */
export const AUDIT_ACTION_DESCRIPTIONS = {
  'grant.requested': 'A grant was requested.',
  'grant.approved': 'Access was approved.',
  'grant.activated': 'Access was activated.',
  'grant.provisioned': 'Access was provisioned into the integration, e.g. an AWS account assignment was created.',
  'grant.provisioning_attempted': 'Access provisioning was attempted.',
  'grant.extended': 'Access was extended.',
  'grant.deprovisioned': 'Access was deprovisioned in the integration.',
  'grant.cancelled': 'Pending access was cancelled.',
  'grant.revoked': 'Active access was revoked.',
  'grant.provisioning_error': 'Provisioning access failed.',
  'grant.deprovisioning_error': 'Deprovisioning access failed.',
  'grant.breakglass_activated': 'Access was activated by breakglass, without approval.',
  'grant.force_closed': 'An administrator force-closed a grant that was not yet closed.',
  'proxy.session.started': 'A proxy session was started on an active grant.',
  'proxy.session.ended': 'A proxy session ended: by request, or because its grant closed.',
} as const satisfies Record<AuditAction, string>;

export function isAuditAction(value: string): value is AuditAction {
  return (AUDIT_ACTIONS as readonly string[]).includes(value);
}
