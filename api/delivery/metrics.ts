import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Pool } from 'pg';

/** The delivery outcomes counted by `cf_webhook_deliveries_total`. */
export type DeliveryOutcome = 'succeeded' | 'retry_scheduled' | 'failed' | 'disabled';

/**
 * Prometheus metrics of the service, on a registry of its own (no global state: several services may run in
 * one process, as the tests do). Queue depth and oldest pending age are read from the database at scrape time,
 * so they are right whichever process does the delivering.
 */
export class ServiceMetrics {
  readonly registry = new Registry();
  readonly deliveries: Counter<'outcome'>;
  readonly attemptSeconds: Histogram<'result'>;

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
      help: 'Duration of one delivery attempt (connect to end of the response capture), by result class.',
      labelNames: ['result'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [this.registry],
    });
    let snapshot: Promise<{ depth: number; age: number }> | undefined;
    const read = () =>
      (snapshot ??= pool
        .query<{ depth: string; age: number | null }>(
          `SELECT count(*) AS depth, extract(epoch FROM now() - min(created_at))::float8 AS age
           FROM deliveries WHERE status = 'PENDING'`,
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
      help: 'Age of the oldest PENDING delivery, seconds (0 when none).',
      registers: [this.registry],
      async collect() {
        this.set((await read()).age);
      },
    });
  }

  /** The result class of an attempt for the latency histogram: 2xx, 3xx, 4xx, 5xx or error. */
  static resultClass(statusCode: number | null): string {
    return statusCode === null ? 'error' : `${Math.floor(statusCode / 100)}xx`;
  }
}
