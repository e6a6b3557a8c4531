import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Pool } from 'pg';

/** The delivery outcomes counted by `cf_webhook_deliveries_total`. */
export type DeliveryOutcome = 'succeeded' | 'retry_scheduled' | 'failed' | 'disabled';

/** What a worker's scheduler reports at scrape time (see Scheduler.usage). */
type SchedulerUsage = () => { inflight: Record<string, number>; active: Record<string, number> };

/**
 * Prometheus metrics of the service, on a registry of its own (no global state: several services may run in
 * one process, as the tests do). Queue depth, oldest pending age and circuits are read from the database at
 * scrape time, so they are right whichever process does the delivering.
 */
export class ServiceMetrics {
  readonly registry = new Registry();
  readonly deliveries: Counter<'outcome'>;
  readonly attemptSeconds: Histogram<'result'>;
  readonly dispatchWaitSeconds: Histogram;
  readonly circuitTransitions: Counter<'state'>;
  private schedulers: SchedulerUsage[] = [];

  constructor(pool: Pool) {
    collectDefaultMetrics({ register: this.registry, prefix: 'cf_' });
    this.deliveries = new Counter({
      name: 'cf_webhook_deliveries_total',
      help: 'Delivery attempts by outcome: succeeded, retry_scheduled, failed (retries exhausted), disabled (410 Gone).',
      labelNames: ['outcome'],
      registers: [this.registry],
    });
    this.attemptSeconds = new Histogram({
      name: 'cf_webhook_attempt_duration_seconds',
      help: 'Duration of one delivery attempt (name resolution and connect to end of the response capture), by result class.',
      labelNames: ['result'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [this.registry],
    });
    this.dispatchWaitSeconds = new Histogram({
      name: 'cf_webhook_dispatch_wait_seconds',
      help: 'Time a claimed delivery waited in the worker for a slot before its attempt started (not part of the attempt).',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [this.registry],
    });
    this.circuitTransitions = new Counter({
      name: 'cf_webhook_circuit_transitions_total',
      help: 'Circuit changes seen by this process, by the state entered (closed, open, half_open).',
      labelNames: ['state'],
      registers: [this.registry],
    });
    const schedulers = () => this.schedulers;
    new Gauge({
      name: 'cf_webhook_attempts_in_flight',
      help: "Attempts in flight in this process's worker, by scheduler pool: proven, fresh (no success yet), failing (circuit not closed).",
      labelNames: ['pool'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const usage of schedulers()) for (const [p, n] of Object.entries(usage().inflight)) this.inc({ pool: p }, n);
      },
    });
    let snapshot: Promise<{ depth: number; age: number }> | undefined;
    const read = () =>
      (snapshot ??= pool
        .query<{ depth: string; age: number | null }>(
          // The age leaves out integrations that are not being delivered to (PAUSED by an operator, DISABLED by a
          // 410): their queues grow old on purpose and have alerts of their own (docs/alerting/rules.yml).
          `SELECT count(*) AS depth,
                  extract(epoch FROM now() - min(d.created_at) FILTER (WHERE w.status NOT IN ('PAUSED', 'DISABLED')))::float8 AS age
           FROM deliveries d JOIN webhook_integrations w ON w.id = d.integration_id WHERE d.status = 'PENDING'`,
        )
        .then((r) => ({ depth: Number(r.rows[0].depth), age: r.rows[0].age ?? 0 }))
        .finally(() => setTimeout(() => (snapshot = undefined), 100).unref()));
    new Gauge({
      name: 'cf_webhook_queue_depth',
      help: 'Deliveries waiting to be delivered (PENDING, including those waiting for a retry).',
      registers: [this.registry],
      async collect() {
        this.set((await read()).depth);
      },
    });
    new Gauge({
      name: 'cf_webhook_oldest_pending_age_seconds',
      help: 'Age of the oldest PENDING delivery of an integration that is neither PAUSED nor DISABLED, seconds (0 when none).',
      registers: [this.registry],
      async collect() {
        this.set((await read()).age);
      },
    });
    new Gauge({
      name: 'cf_webhook_integrations_by_circuit',
      help: 'Webhook integrations by the state of their delivery circuit: closed, open, half_open.',
      labelNames: ['state'],
      registers: [this.registry],
      async collect() {
        const { rows } = await pool.query<{ state: string; n: number }>(
          `SELECT s.state, count(w.id)::int AS n FROM unnest(enum_range(NULL::"CircuitState")) AS s(state)
           LEFT JOIN webhook_integrations w ON w.circuit_state = s.state GROUP BY s.state`,
        );
        for (const r of rows) this.set({ state: r.state.toLowerCase() }, r.n);
      },
    });
    new Gauge({
      name: 'cf_webhook_circuit_max_in_flight',
      help: 'Attempts an integration whose circuit is not closed may have in flight (open: 1 probe), by integration and state.',
      labelNames: ['integration_id', 'state'],
      registers: [this.registry],
      async collect() {
        const { rows } = await pool.query<{ id: string; state: string; max: number | null }>(
          `SELECT id, circuit_state AS state, circuit_max_in_flight AS max FROM webhook_integrations
           WHERE circuit_state <> 'CLOSED' ORDER BY id LIMIT 1000`,
        );
        this.reset();
        for (const r of rows) this.set({ integration_id: r.id, state: r.state.toLowerCase() }, r.max ?? 1);
      },
    });
  }

  /** Reports a worker's scheduler in `cf_webhook_attempts_in_flight` (a worker registers itself). */
  observeScheduler(usage: SchedulerUsage): void {
    this.schedulers.push(usage);
  }

  /** The result class of an attempt for the latency histogram: 2xx, 3xx, 4xx, 5xx or error. */
  static resultClass(statusCode: number | null): string {
    return statusCode === null ? 'error' : `${Math.floor(statusCode / 100)}xx`;
  }
}
