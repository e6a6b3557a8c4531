/** Event delivery to webhook integrations: the public surface of this folder. */
export { DeliveryWorker, decide, jittered, type DeliveryWorkerOptions } from './worker';
export { OutboundClient, parseRetryAfter, type AttemptOutcome, type OutboundOptions } from './outbound';
export { SsrfPolicy, AddressRefusedError, resolveVetted, parseCidr, type Resolver } from './ssrf';
export { ServiceMetrics } from './metrics';
export { deliveryRoutes } from './router';
export { signatureHeader, PREVIOUS_SECRET_GRACE_MS } from './signature';
export { deliveryHeaders, USER_AGENT } from './request';
export { DELIVERIES_CHANNEL } from './fanout';
