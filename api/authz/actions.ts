/**
 * Every API operation is an RPC action in the seed's naming (`CF::RPC::Action` ids). `readOnly` is the tag the
 * policies read; it also appears in the authorization event's `request.tags`.
 */
export interface RpcAction {
  id: string;
  readOnly: boolean;
}

const integration = (method: string, readOnly: boolean): RpcAction => ({
  id: `commonfate.control.integration.v1alpha1.IntegrationService/${method}`,
  readOnly,
});

const access = (method: string, readOnly: boolean): RpcAction => ({
  id: `commonfate.access.v1alpha1.AccessService/${method}`,
  readOnly,
});

const proxy = (method: string, readOnly: boolean): RpcAction => ({
  id: `commonfate.access.v1alpha1.ProxySessionService/${method}`,
  readOnly,
});

export const ACTIONS = {
  listIntegrations: integration('ListIntegrations', true),
  getIntegration: integration('GetIntegration', true),
  createIntegration: integration('CreateIntegration', false),
  updateIntegration: integration('UpdateIntegration', false),
  deleteIntegration: integration('DeleteIntegration', false),
  getEvaluation: { id: 'commonfate.authz.v1alpha1.EvaluationService/GetEvaluation', readOnly: true },
  // Delivery visibility and control.
  listDeliveries: integration('ListWebhookDeliveries', true),
  getDelivery: integration('GetWebhookDelivery', true),
  retryDelivery: integration('RetryWebhookDelivery', false),
  testIntegration: integration('TestWebhookIntegration', false),
  // Operator control of an integration's deliveries (api/delivery-control/).
  pauseIntegration: integration('PauseWebhookIntegration', false),
  resumeIntegration: integration('ResumeWebhookIntegration', false),
  recoverDeliveries: integration('RecoverWebhookDeliveries', false),
  // Reading the signing secret discloses a credential, so it is not tagged read_only: read-only principals may not.
  getSigningSecret: integration('GetWebhookSigningSecret', false),
  // Not an operation of its own: decided beside every call that answers with integrations, it settles whether the
  // response shows header values or only their names (`"redacted": true`). Not read_only, for the same reason.
  readHeaderValues: integration('ReadWebhookHeaderValues', false),
  rotateSigningSecret: integration('RotateWebhookSigningSecret', false),
  // Aggregates of deliveries and attempts over a recent window (the dashboard's charts and health columns).
  getDeliveryStats: integration('GetWebhookDeliveryStats', true),
  // The grants workflow (the audit log's source).
  createAccessRequest: access('BatchEnsure', false),
  getAccessRequest: access('GetAccessRequest', true),
  getGrant: access('GetGrant', true),
  approveGrant: access('ApproveGrant', false),
  activateGrant: access('ActivateGrant', false),
  extendGrant: access('ExtendGrant', false),
  cancelGrant: access('CancelGrant', false),
  revokeGrant: access('RevokeGrant', false),
  // Overrides only an administrator may use (policies.ts forbids them to every other role).
  breakglassGrant: access('BreakglassActivateGrant', false),
  forceCloseGrant: access('ForceCloseGrant', false),
  // Proxy sessions on active grants.
  startProxySession: proxy('StartProxySession', false),
  endProxySession: proxy('EndProxySession', false),
  getProxySession: proxy('GetProxySession', true),
  listProxySessions: proxy('ListProxySessions', true),
  // Who the caller is and which operations the policies let them call (what a client may offer them).
  getCallerPermissions: { id: 'commonfate.authz.v1alpha1.EvaluationService/GetCallerPermissions', readOnly: true },
  queryAuditEvents: { id: 'commonfate.audit.v1alpha1.AuditService/QueryAuditLogs', readOnly: true },
} as const satisfies Record<string, RpcAction>;
