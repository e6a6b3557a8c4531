/**
 * The control plane's default API authorization policies (Cedar). Ids appear in an authorization event's
 * `diagnostics.reason`, so they are part of the event contract.
 *
 * Every action carries a `read_only` tag (context.read_only): admins may call anything, read-only principals
 * only read-only actions.
 */
export const DEFAULT_POLICIES: Record<string, string> = {
  'default_api_authorization_policy.policy0': `permit (principal, action, resource == CF::Service::"ControlPlane")
when { principal has role && principal.role == "admin" };`,
  'default_api_authorization_policy.policy1': `permit (principal, action, resource == CF::Service::"ControlPlane")
when { principal has role && principal.role == "read_only" && context.read_only == true };`,
};
