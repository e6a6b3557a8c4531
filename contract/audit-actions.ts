/**
 * Every audit log action the control plane emits, in the order Common Fate's webhook documentation lists them.
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
} as const satisfies Record<AuditAction, string>;

export function isAuditAction(value: string): value is AuditAction {
  return (AUDIT_ACTIONS as readonly string[]).includes(value);
}
