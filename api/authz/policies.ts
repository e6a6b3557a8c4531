import { ACTIONS } from './actions';

/**
 * The control plane's default API authorization policies (Cedar). Ids appear in an authorization event's
 * `diagnostics.reason`, so they are part of the event contract.
 *
 * Every action carries a `read_only` tag (context.read_only): admins may call anything, read-only principals
 * only read-only actions. Breakglass and force-close bypass the grant workflow, so a forbid names them: only an
 * admin may call them, whatever other permits a deployment adds for other roles.
 */
export const DEFAULT_POLICIES: Record<string, string> = {
  'default_api_authorization_policy.policy0': `permit (principal, action, resource == CF::Service::"ControlPlane")
when { principal has role && principal.role == "admin" };`,
  'default_api_authorization_policy.policy1': `permit (principal, action, resource == CF::Service::"ControlPlane")
when { principal has role && principal.role == "read_only" && context.read_only == true };`,
  'default_api_authorization_policy.breakglass': `forbid (
  principal,
  action in [CF::RPC::Action::"${ACTIONS.breakglassGrant.id}", CF::RPC::Action::"${ACTIONS.forceCloseGrant.id}"],
  resource
)
unless { principal has role && principal.role == "admin" };`,
};
