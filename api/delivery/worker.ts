import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { newId } from '../ids';
import { ServiceMetrics, type DeliveryOutcome } from './metrics';
import type { AttemptOutcome, OutboundClient } from './outbound';
import { claimDeliveries, completeDeliveries, msUntilNextDue, releaseDeliveries, type ClaimedDelivery, type Completion } from './queue';
import { deliveryHeaders } from './request';

export interface DeliveryWorkerOptions {
  pool: Pool;
  outbound: OutboundClient;
  metrics: ServiceMetrics;
  log: Logger;
  /** Seconds before each retry (CF_WEBHOOK_RETRY_SCHEDULE); its length is the number of retries. */
  retrySchedule: readonly number[];
  /** Per-attempt timeout, ms (CF_WEBHOOK_TIMEOUT_MS); the lease outlasts it. */
  timeoutMs: number;
  /** Attempts in flight in this worker, all destinations together. */
  concurrency: number;
  /** Attempts in flight to one integration. */
  perDestination: number;
  /**
   * Deliveries claimed ahead per integration, beyond those in flight, so a finished attempt is followed at once
   * by the next instead of after a claim's round trip. Default 2 × perDestination: a claim (a committed write,
   * ~10 ms under load) must bring enough rows to cover the attempts that finish meanwhile. 0 claims only free slots.
   */
  prefetch?: number;
  /** Most rows per claim. Default 256. */
  batchSize?: number;
  /** Fallback poll when no notification arrives (missed NOTIFY, expired leases), ms. Default 1000. */
  pollMs?: number;
  /** How long a claim is held before another worker may take it over, ms. Default timeoutMs + 10000. */
  leaseMs?: number;
  /** Source of jitter, [0, 1). Default Math.random. */
  random?: () => number;
}

/** A claimed delivery waiting for a slot; released instead of attempted after `dispatchBy` (epoch ms). */
interface Waiting extends ClaimedDelivery {
  dispatchBy: number;
}

/** ±20% jitter around a scheduled delay, so retries of a burst don't arrive together. */
export function jittered(seconds: number, random: () => number): number {
  return seconds * (0.8 + 0.4 * random());
}

/**
 * Delivers queued events. Claims due deliveries in batches (FOR UPDATE SKIP LOCKED, leased so a crash only
 * delays them), runs each POST with at most `perDestination` in flight per integration under a global
 * `concurrency`, so a hanging destination holds only its own slots, and writes results back in batches. Each
 * integration may hold up to `prefetch` more claimed deliveries waiting for a slot, so its slots are refilled
 * without waiting for the database; one claim runs at a time and takes, across all integrations, whatever room
 * there is. Woken by NOTIFY deliveries_due; polls only as a fallback. Any number of workers may share one database.
 */
export class DeliveryWorker {
  readonly id = `worker_${randomBytes(8).toString('hex')}`;
  private readonly o: Required<DeliveryWorkerOptions>;
  private readonly maxWaitMs: number;
  private inflight = 0;
  /** Attempts in flight, by integration. */
  private readonly running = new Map<string, number>();
  /** Claimed deliveries waiting for a slot, by integration, oldest first. */
  private readonly ready = new Map<string, Waiting[]>();
  private waiting = 0;
  private cursor = 0;
  private toRelease: string[] = [];
  private releasing = false;
  private dirty = true;
  private lastClaimFull = false;
  private claiming = false;
  private claimQueued = false;
  private claimFailures = 0;
  private stopped = false;
  private pollTimer?: NodeJS.Timeout;
  private dueTimer?: NodeJS.Timeout;
  private dueAt = Infinity;
  private pending: Completion[] = [];
  private flushing?: Promise<void>;
  private flushTimer?: NodeJS.Timeout;
  private flushFailures = 0;
  private idle: Array<() => void> = [];

  constructor(options: DeliveryWorkerOptions) {
    this.o = {
      batchSize: 256,
      pollMs: 1000,
      leaseMs: options.timeoutMs + 10_000,
      random: Math.random,
      prefetch: options.perDestination * 2,
      ...options,
    };
    // A prefetched delivery must start its attempt while its lease still outlasts the attempt with at least half
    // the usual margin; one that waited longer (its destination is slow) is released rather than risk a takeover.
    this.maxWaitMs = Math.max(0, (this.o.leaseMs - this.o.timeoutMs) / 2);
  }

  start(): void {
    this.pollTimer = setInterval(() => {
      this.sweep();
      this.wake();
    }, this.o.pollMs);
    this.pollTimer.unref();
    this.wake();
  }

  /** Something may be due (a notification, a reconnect, a timer). */
  wake(): void {
    this.dirty = true;
    this.scheduleClaim();
  }

  /**
   * Stops claiming, lets attempts in flight finish (each is bounded by the timeout) and writes their results.
   * Results that cannot be written are redelivered by whichever worker next claims them after the lease.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.pollTimer);
    clearTimeout(this.dueTimer);
    for (const queue of this.ready.values()) for (const job of queue) this.toRelease.push(job.id);
    this.ready.clear();
    this.waiting = 0;
    for (let i = 0; i < 50 && (this.releasing || this.toRelease.length > 0); i++) {
      if (this.releasing) await new Promise((r) => setTimeout(r, 20));
      else await this.release();
    }
    if (this.inflight > 0) await new Promise<void>((r) => this.idle.push(r));
    clearTimeout(this.flushTimer);
    for (let i = 0; i < 5 && (this.pending.length > 0 || this.flushing); i++) {
      await this.flush().catch(() => new Promise((r) => setTimeout(r, 200)));
    }
  }

  private scheduleClaim(): void {
    if (this.claimQueued || this.claiming || this.stopped) return;
    this.claimQueued = true;
    setImmediate(() => {
      this.claimQueued = false;
      void this.claim();
    });
  }

  private async claim(): Promise<void> {
    const holdTotal = this.o.concurrency * 2;
    const holdPerDestination = this.o.perDestination + this.o.prefetch;
    const free = holdTotal - this.inflight - this.waiting;
    if (this.claiming || this.stopped || !this.dirty || free <= 0) return;
    this.claiming = true;
    this.dirty = false;
    let retryIn: number | undefined;
    try {
      const busy = new Map<string, number>();
      for (const [iid, n] of this.running) busy.set(iid, n);
      for (const [iid, queue] of this.ready) busy.set(iid, (busy.get(iid) ?? 0) + queue.length);
      for (const [iid, held] of busy) busy.set(iid, Math.max(0, holdPerDestination - held));
      const limit = Math.min(free, this.o.batchSize);
      const claimedAt = Date.now();
      const jobs = await claimDeliveries(this.o.pool, {
        workerId: this.id,
        limit,
        perDestination: holdPerDestination,
        busy,
        leaseMs: this.o.leaseMs,
      });
      this.claimFailures = 0;
      if (this.stopped) {
        // Stopped while claiming: hand the rows back rather than leave them to their lease.
        this.toRelease.push(...jobs.map((j) => j.id));
        await this.release();
        return;
      }
      const perIntegration = new Map<string, number>();
      const dispatchBy = claimedAt + this.maxWaitMs;
      for (const job of jobs) {
        perIntegration.set(job.integrationId, (perIntegration.get(job.integrationId) ?? 0) + 1);
        let queue = this.ready.get(job.integrationId);
        if (!queue) this.ready.set(job.integrationId, (queue = []));
        queue.push({ ...job, dispatchBy });
      }
      this.waiting += jobs.length;
      this.pump();
      // A claim limited by capacity (overall, or for an integration that was full or filled up) may have left
      // due rows behind: claim again as room frees up.
      this.lastClaimFull =
        jobs.length === limit ||
        [...busy.values()].some((f) => f === 0) ||
        [...perIntegration].some(([iid, n]) => n >= (busy.get(iid) ?? holdPerDestination));
      if (jobs.length > 0) this.dirty = true;
      else await this.armDueTimer();
    } catch (err) {
      this.claimFailures++;
      this.dirty = true;
      retryIn = Math.min(5000, 100 * 2 ** Math.min(this.claimFailures, 6));
      this.o.log.warn({ err: { message: (err as Error).message, code: (err as { code?: string }).code }, retry_in_ms: retryIn }, 'claiming deliveries failed; retrying');
    } finally {
      this.claiming = false;
    }
    if (retryIn !== undefined) setTimeout(() => this.wake(), retryIn).unref();
    else if (this.dirty && this.inflight + this.waiting < holdTotal) this.scheduleClaim();
  }

  /**
   * Starts waiting deliveries while there are slots: at most `perDestination` per integration and `concurrency`
   * in all, taking integrations in turn so none is starved when the overall limit binds.
   */
  private pump(): void {
    if (this.stopped || this.waiting === 0) return;
    const now = Date.now();
    const keys = [...this.ready.keys()];
    for (let k = 0; k < keys.length && this.inflight < this.o.concurrency; k++) {
      const iid = keys[(this.cursor + k) % keys.length];
      this.startWaiting(iid, this.ready.get(iid)!, now);
    }
    this.cursor++;
    if (this.toRelease.length > 0) void this.release();
  }

  /** `pump` for one integration (the one whose attempt just finished). */
  private pumpOne(iid: string): void {
    const queue = this.ready.get(iid);
    if (!queue || this.stopped) return;
    this.startWaiting(iid, queue, Date.now());
    if (this.toRelease.length > 0) void this.release();
  }

  /**
   * Starts one integration's waiting deliveries while it and the worker have free slots; a delivery that waited
   * past its dispatch deadline is queued for release instead (its lease would not outlast an attempt).
   */
  private startWaiting(iid: string, queue: Waiting[], now: number): void {
    while (queue.length > 0 && (this.running.get(iid) ?? 0) < this.o.perDestination && this.inflight < this.o.concurrency) {
      const job = queue.shift()!;
      this.waiting--;
      if (job.dispatchBy < now) this.toRelease.push(job.id);
      else this.dispatch(job);
    }
    if (queue.length === 0) this.ready.delete(iid);
  }

  /** Releases prefetched deliveries that waited too long (their destination is slow, or hangs). */
  private sweep(): void {
    const now = Date.now();
    for (const [iid, queue] of this.ready) {
      while (queue.length > 0 && queue[0].dispatchBy < now) {
        this.toRelease.push(queue.shift()!.id);
        this.waiting--;
      }
      if (queue.length === 0) this.ready.delete(iid);
    }
    if (this.toRelease.length > 0) void this.release();
  }

  /** Hands back deliveries in `toRelease`; if that fails their leases simply run out. */
  private async release(): Promise<void> {
    if (this.releasing || this.toRelease.length === 0) return;
    this.releasing = true;
    const ids = this.toRelease.splice(0);
    try {
      await releaseDeliveries(this.o.pool, this.id, ids);
    } catch (err) {
      this.o.log.warn({ err: { message: (err as Error).message, code: (err as { code?: string }).code }, count: ids.length }, 'releasing deliveries failed; they are retried when their lease runs out');
    } finally {
      this.releasing = false;
    }
    this.wake();
  }

  /** Wakes the worker when the earliest scheduled retry falls due (sooner than the fallback poll). */
  private async armDueTimer(): Promise<void> {
    const ms = await msUntilNextDue(this.o.pool);
    if (ms !== undefined && ms < this.o.pollMs) this.wakeIn(ms);
  }

  private wakeIn(ms: number): void {
    const at = Date.now() + Math.max(0, ms);
    if (at >= this.dueAt && this.dueTimer) return;
    clearTimeout(this.dueTimer);
    this.dueAt = at;
    this.dueTimer = setTimeout(() => {
      this.dueTimer = undefined;
      this.dueAt = Infinity;
      this.wake();
    }, Math.max(0, ms) + 5);
    this.dueTimer.unref();
  }

  private dispatch(job: ClaimedDelivery): void {
    this.inflight++;
    this.running.set(job.integrationId, (this.running.get(job.integrationId) ?? 0) + 1);
    void this.attempt(job).then((completion) => {
      this.inflight--;
      const left = this.running.get(job.integrationId)! - 1;
      if (left === 0) this.running.delete(job.integrationId);
      else this.running.set(job.integrationId, left);
      this.enqueue(completion);
      // Only this integration gained a slot, unless the overall limit was what held the others back.
      if (this.inflight + 1 >= this.o.concurrency) this.pump();
      else this.pumpOne(job.integrationId);
      if (this.inflight === 0) this.idle.splice(0).forEach((r) => r());
      if (this.lastClaimFull) this.wake();
    });
  }

  private async attempt(job: ClaimedDelivery): Promise<Completion> {
    const attemptedAt = new Date();
    let outcome: AttemptOutcome;
    if (job.body === null) {
      outcome = { statusCode: null, durationMs: 0, responseExcerpt: null, error: 'the event of this delivery no longer exists' };
    } else {
      outcome = await this.o.outbound.post(job.url, deliveryHeaders(job, job.eventId, job.body), job.body);
    }
    this.o.metrics.attemptSeconds.observe({ result: ServiceMetrics.resultClass(outcome.statusCode) }, outcome.durationMs / 1000);
    const decision = decide(outcome, job.attempts + 1, this.o.retrySchedule, this.o.random, job.body !== null);
    this.o.metrics.deliveries.inc({ outcome: decision.outcome });
    const reason = outcome.error ?? `HTTP ${outcome.statusCode}`;
    return {
      deliveryId: job.id,
      integrationId: job.integrationId,
      status: decision.status,
      retryInSeconds: decision.retryInSeconds,
      attemptId: newId('attempt'),
      attemptedAt,
      statusCode: outcome.statusCode,
      durationMs: outcome.durationMs,
      responseExcerpt: outcome.responseExcerpt,
      error: outcome.error,
      health: decision.health,
      healthError:
        decision.health === 'gone'
          ? `The destination answered 410 Gone to delivery ${job.id}: the integration was disabled. Send a test event to enable it again.`
          : decision.health === 'exhausted'
            ? `Delivery ${job.id} failed after ${job.attempts + 1} attempts; last: ${reason}`
            : null,
    };
  }

  private enqueue(c: Completion): void {
    this.pending.push(c);
    if (c.retryInSeconds !== null) this.wakeIn(c.retryInSeconds * 1000 + 20);
    if (this.pending.length >= 200) void this.flush().catch(() => undefined);
    else if (!this.flushTimer) {
      this.flushTimer = setTimeout(() => {
        this.flushTimer = undefined;
        void this.flush().catch(() => undefined);
      }, 5);
    }
  }

  /** Writes pending results (one statement per batch). On failure they are kept and retried with backoff. */
  private async flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    if (this.pending.length === 0) return;
    const batch = this.pending.splice(0, 1000);
    this.flushing = completeDeliveries(this.o.pool, this.id, batch)
      .then(() => {
        this.flushFailures = 0;
      })
      .catch((err: Error & { code?: string }) => {
        this.pending.unshift(...batch);
        this.flushFailures++;
        const retryIn = Math.min(5000, 100 * 2 ** Math.min(this.flushFailures, 6));
        this.o.log.warn({ err: { message: err.message, code: err.code }, count: batch.length, retry_in_ms: retryIn }, 'recording delivery results failed; retrying');
        if (!this.stopped) setTimeout(() => void this.flush().catch(() => undefined), retryIn).unref();
        throw err;
      })
      .finally(() => {
        this.flushing = undefined;
        if (this.pending.length > 0 && this.flushFailures === 0) void this.flush().catch(() => undefined);
      });
    return this.flushing;
  }
}

export interface Decision {
  status: Completion['status'];
  retryInSeconds: number | null;
  health: Completion['health'];
  outcome: DeliveryOutcome;
}

/**
 * What an attempt's outcome means: 2xx delivered; 410 disables the integration; anything else is retried after
 * the schedule's delay for this attempt (or the response's Retry-After) until the schedule runs out.
 */
export function decide(
  outcome: AttemptOutcome,
  attemptNumber: number,
  schedule: readonly number[],
  random: () => number,
  retryable = true,
): Decision {
  const code = outcome.statusCode;
  if (code !== null && code >= 200 && code < 300) return { status: 'SUCCEEDED', retryInSeconds: null, health: 'ok', outcome: 'succeeded' };
  if (code === 410) return { status: 'FAILED', retryInSeconds: null, health: 'gone', outcome: 'disabled' };
  if (retryable && attemptNumber <= schedule.length) {
    const retryIn = outcome.retryAfterMs !== undefined ? outcome.retryAfterMs / 1000 : jittered(schedule[attemptNumber - 1], random);
    return { status: 'PENDING', retryInSeconds: retryIn, health: null, outcome: 'retry_scheduled' };
  }
  return { status: 'FAILED', retryInSeconds: null, health: 'exhausted', outcome: 'failed' };
}
