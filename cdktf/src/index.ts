/**
 * CDKTF constructs for Common Fate webhook integrations.
 *
 * `WebhookDestination` is the construct to reach for first; `CommonfateProvider`, `WebhookIntegration` and
 * `DataCommonfateWebhookIntegration` are the bindings generated from the provider's schema
 * (`npm run cdktf:generate`), for everything the higher-level construct does not cover.
 */
export { CommonfateProvider, type CommonfateProviderConfig } from './gen/providers/commonfate/provider';
export {
  WebhookIntegration,
  type WebhookIntegrationConfig,
  type WebhookIntegrationHeaders,
} from './gen/providers/commonfate/webhook-integration';
export {
  DataCommonfateWebhookIntegration,
  type DataCommonfateWebhookIntegrationConfig,
} from './gen/providers/commonfate/data-commonfate-webhook-integration';
export { WebhookDestination, type WebhookDestinationProps, type WebhookHeader } from './webhook-destination';
export { HeaderValue, ephemeralVariable, type EphemeralVariableConfig, type HeaderValueSource } from './header-value';
export { AUDIT_ACTIONS, type AuditAction } from '../../contract';
