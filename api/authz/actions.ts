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

export const ACTIONS = {
  listIntegrations: integration('ListIntegrations', true),
  getIntegration: integration('GetIntegration', true),
  createIntegration: integration('CreateIntegration', false),
  updateIntegration: integration('UpdateIntegration', false),
  deleteIntegration: integration('DeleteIntegration', false),
  getEvaluation: { id: 'commonfate.authz.v1alpha1.EvaluationService/GetEvaluation', readOnly: true },
} as const satisfies Record<string, RpcAction>;
