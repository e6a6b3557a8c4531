/**
 * The API's JSON as the dashboard reads it (the full contract is /openapi.json). Fields other parts of the
 * service add over time are optional here, and the views show them when they are present.
 */

export type IntegrationStatus = 'HEALTHY' | 'UNHEALTHY' | 'DISABLED' | 'PAUSED';
export type DeliveryStatus = 'PENDING' | 'SUCCEEDED' | 'FAILED';

/** A header as an admin sees it, or redacted (key only) for a principal who may not read secrets. */
export type Header = { key: string; value: string; redacted?: false } | { key: string; value?: undefined; redacted: true };

/** The delivery circuit breaker of a destination (api/delivery/schema.ts CircuitSchema). */
export interface Circuit {
  state: 'CLOSED' | 'OPEN' | 'HALF_OPEN';
  max_in_flight: number | null;
  consecutive_failures: number;
  changed_at: string | null;
  next_probe_at: string | null;
}

export interface Integration {
  id: string;
  name: string;
  url: string;
  send_audit_log_events: boolean;
  send_authorization_events: boolean;
  headers: Header[];
  filter_for_actions: string[];
  status: IntegrationStatus;
  last_error: string | null;
  circuit: Circuit;
  created_at: string;
  updated_at: string;
}

export interface Page<T> {
  items: T[];
  next_page_token?: string;
}

export interface Delivery {
  id: string;
  integration_id: string;
  event_type: 'audit_log' | 'authorization';
  event_id: string;
  status: DeliveryStatus;
  attempt_count: number;
  next_attempt_at: string | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
  delivered_at: string | null;
}

export interface Attempt {
  id: string;
  attempted_at: string;
  status_code: number | null;
  duration_ms: number;
  response_excerpt: string | null;
  error: string | null;
}

export interface DeliveryDetail extends Delivery {
  attempts: Attempt[];
}

export interface TestResult {
  event_id: string;
  delivered: boolean;
  attempt: Attempt;
}

export interface SigningSecret {
  secret: string;
  previous_secret_expires_at: string | null;
}

/** POST …/recover's answer: the FAILED deliveries created in [since, until) that were queued again. */
export interface RecoverResult {
  queued: number;
  since: string;
  until: string;
}

export interface StatsBucket {
  start: string;
  succeeded: number;
  failed_status: number;
  no_response: number;
  latency_p50_ms: number | null;
  latency_p99_ms: number | null;
}

export interface WindowTotals {
  deliveries: number;
  attempts: number;
  succeeded: number;
  success_rate: number | null;
}

export interface IntegrationStats {
  integration_id: string;
  window_start: string;
  window_end: string;
  bucket_seconds: number;
  totals: WindowTotals & { pending: number };
  buckets: StatsBucket[];
}

export interface StatsSummary {
  window_start: string;
  window_end: string;
  items: Array<WindowTotals & { integration_id: string }>;
}

export interface Operation {
  operation_id: string;
  method: string;
  path: string;
  action: string;
  allowed: boolean;
}

export interface Caller {
  principal: { type: string; id: string; name: string; role: string };
  operations: Operation[];
}

export interface Entity {
  type: string;
  id: string;
}

export interface AuditEvent {
  id: string;
  targets: Entity[];
  action: string;
  caller_identity_chain: Array<{ id: Entity }>;
  actor: { type: string; id: string; name: string; email: string };
  message: string;
  context: { request: { client_addr: string; user_agent: string }; authz: { eval: string } };
  occurred_at: string;
  index: number;
}

export interface AuthorizationEvent {
  id: string;
  request: {
    principal: Entity;
    action: Entity;
    resource: Entity;
    tags: Array<{ key: string; value: string }>;
  };
  decision: number;
  diagnostics: { reason: string[]; errors: string[] };
  evaluated_at: string;
  evaluation_duration: string;
  allowed: boolean;
}

/** RFC 9457 problem details, as every API error is sent. */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  errors?: Array<{ path: string; message: string }>;
}
