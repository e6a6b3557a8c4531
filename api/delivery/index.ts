/** Event delivery to webhook integrations: the public surface of this folder. */
export { DeliveryWorker, type DeliveryWorkerOptions } from './worker';
export { decide, jittered, parseRetryAfter, isDestinationFailure, type Decision } from './retry-policy';
export { Circuit, type CircuitSettings, type CircuitSnapshot, type CircuitState } from './circuit';
export { Scheduler, type SchedulerSettings } from './scheduler';
export { OutboundClient, type AttemptOutcome, type OutboundOptions } from './outbound';
export { HostResolver, systemResolver, DnsLookupError, type Resolver, type ResolvedAddress } from './dns';
export { SsrfPolicy, AddressRefusedError, resolveVetted, parseCidr } from './ssrf';
export { ServiceMetrics } from './metrics';
export { deliveryRoutes } from './router';
export { signatureHeader, PREVIOUS_SECRET_GRACE_MS } from './signature';
export { deliveryHeaders, USER_AGENT } from './request';
export { DELIVERIES_CHANNEL } from './fanout';
