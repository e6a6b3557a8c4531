import type { Pool } from 'pg';
import type { Queryable } from '../queryable';
import type { Logger } from 'pino';
import type { AuthorizationEvent } from '../authz/authorizer';
import { DELIVERIES_CHANNEL, matchingIntegrationsSql, deliveryIdPrefix, deliveryIdSql } from '../delivery/fanout';

interface Pending {
  event: AuthorizationEvent;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Stores authorization events in batches (group commit): calls made while a write is in flight share the next
 * INSERT. `record` resolves only once the row is committed, so the API can hold the response until then; a
 * failed batch rejects every caller in it — nothing is dropped silently. The same statement queues one delivery
 * per integration with `send_authorization_events` that is not DISABLED (transactional outbox), and wakes the
 * delivery workers.
 */
export class EvaluationRecorder {
  private queue: Pending[] = [];
  private inFlight = 0;
  private idle: Array<() => void> = [];

  constructor(
    private readonly pool: Pool,
    private readonly log: Logger,
    /** Rows per INSERT. Default 500. */
    private readonly maxBatch = 500,
    /** Concurrent INSERTs. Default 2. */
    private readonly maxInFlight = 2,
  ) {}

  record(event: AuthorizationEvent): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ event, resolve, reject });
      if (this.inFlight < this.maxInFlight) queueMicrotask(() => this.pump());
    });
  }

  /** Resolves when every recorded event has been written (used at shutdown). */
  drain(): Promise<void> {
    if (this.queue.length === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((r) => this.idle.push(r));
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      this.inFlight++;
      this.write(batch)
        .then(
          () => batch.forEach((p) => p.resolve()),
          (err) => {
            this.log.error({ err, count: batch.length }, 'storing authorization evaluations failed');
            batch.forEach((p) => p.reject(err));
          },
        )
        .finally(() => {
          this.inFlight--;
          if (this.queue.length > 0) this.pump();
          else if (this.inFlight === 0) this.idle.splice(0).forEach((r) => r());
        });
    }
  }

  private write(batch: Pending[]): Promise<void> {
    return insertEvaluations(this.pool, batch.map((p) => p.event));
  }
}

/**
 * Stores authorization events and, in the same statement, one delivery per integration with
 * `send_authorization_events` that is not DISABLED (transactional outbox), and wakes the delivery workers (the
 * NOTIFY is sent at commit). Run on the pool it commits at once; run on a client inside a transaction it
 * commits (or rolls back) with that transaction's change.
 */
export async function insertEvaluations(db: Queryable, events: readonly AuthorizationEvent[]): Promise<void> {
  const ids: string[] = [];
  const principals: string[] = [];
  const actions: string[] = [];
  const allowed: boolean[] = [];
  const payloads: string[] = [];
  const times: string[] = [];
  for (const event of events) {
    ids.push(event.id);
    principals.push(`${event.request.principal.type}::"${event.request.principal.id}"`);
    actions.push(event.request.action.id);
    allowed.push(event.allowed);
    payloads.push(JSON.stringify(event));
    times.push(event.evaluated_at);
  }
  // Named, so each connection parses and plans this statement once instead of on every call (it runs once per
  // POST, PUT and PATCH, inside their transactions, as well as per batch).
  await db.query({
    name: 'insert-authorization-evaluations',
    text: `WITH ev AS (
       INSERT INTO authorization_evaluations (id, principal, action, allowed, payload, evaluated_at)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bool[], $5::json[], $6::timestamptz[])
       -- A call whose transaction committed though its client heard an error stores its evaluation again on its
       -- own: the copy is skipped instead of failing every call in the batch.
       ON CONFLICT (id) DO NOTHING
       RETURNING id
     ), fan AS (
       INSERT INTO deliveries (id, integration_id, event_kind, event_id)
       SELECT ${deliveryIdSql('$7::text', 'row_number() OVER ()')}, w.id, 'AUTHORIZATION', ev.id
       FROM ev CROSS JOIN (${matchingIntegrationsSql('send_authorization_events', 'id')}) w
       RETURNING 1
     )
     SELECT CASE WHEN n > 0 THEN pg_notify('${DELIVERIES_CHANNEL}', '') END
     FROM (SELECT count(*) AS n FROM fan) c`,
    values: [ids, principals, actions, allowed, payloads, times, deliveryIdPrefix()],
  });
}
