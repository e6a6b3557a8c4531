import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { OutageLog } from '../db/outage-log';
import { newId } from '../ids';
import { SecretUnreadableError } from '../secrets/keyring';
import type { IntegrationSecrets } from '../webhook-integrations/secrets';
import { scrubSecrets, TargetCache } from '../webhook-integrations/target-cache';
import type { CircuitSettings } from './circuit';
import { ServiceMetrics } from './metrics';
import type { AttemptOutcome, OutboundClient } from './outbound';
import { claimDeliveries, msUntilNextDue, releaseDeliveries, type ClaimedDelivery, type ClaimedIntegration, type Completion, type SealedClaim } from './queue';
import { deliveryHeaders } from './request';
import { ResultBuffer } from './results';
import { decide, isDestinationFailure } from './retry-policy';
import { Scheduler, type Dispatch } from './scheduler';

export interface DeliveryWorkerOptions {
  pool: Pool;
  outbound: OutboundClient;
  /** Opens the claimed integrations' sealed header values and signing secrets. */
  secrets: IntegrationSecrets;
  metrics: ServiceMetrics;
  log: Logger;
  /** Seconds before each retry (CF_WEBHOOK_RETRY_SCHEDULE); its length is the number of retries. */
  retrySchedule: readonly number[];
  /** Per-attempt timeout, ms (CF_WEBHOOK_TIMEOUT_MS); the lease outlasts it. */
  timeoutMs: number;
  /** Attempts in flight in this worker, all destinations together (CF_WEBHOOK_CONCURRENCY). */
  concurrency: number;
  /** Attempts in flight to one integration while its circuit is closed (CF_WEBHOOK_CONCURRENCY_PER_DESTINATION). */
  perDestination: number;
  /**
   * Deliveries claimed ahead per proven integration, beyond those in flight, so a finished attempt is followed
   * at once by the next instead of after a claim's round trip. Default 2 × perDestination: a claim (a committed
   * write, ~10 ms under load) must bring enough rows to cover the attempts that finish meanwhile.
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
  /** Circuit breaker thresholds (see circuit.ts; the first probe delay defaults to min(1 s, 0.8 × the first retry delay)). */
  circuit?: Omit<CircuitSettings, 'perDestination'>;
}

/**
 * Delivers queued events. The loop: claim due deliveries in batches (FOR UPDATE SKIP LOCKED, leased so a crash
 * only delays them; fair across integrations, see claimDeliveries), hand them to the scheduler, start what it
 * says may start (fair share, circuits: scheduler.ts), and hand each result to the result buffer, which writes
 * them back in batches. Woken by NOTIFY deliveries_due, by its own timers (retries and probes falling due) and,
 * as a fallback, by a poll. Any number of workers may share one database.
 */
export class DeliveryWorker {
  readonly id = `worker_${randomBytes(8).toString('hex')}`;
  private readonly settings: Required<Omit<DeliveryWorkerOptions, 'circuit'>>;
  private readonly scheduler: Scheduler;
  /** Opened targets by integration version: an unchanged integration costs a claim no decryption. */
  private readonly targets: TargetCache;
  private readonly results: ResultBuffer;
  /** Something may have fallen due since the last claim (a notification, a timer, room freed up). */
  private mayHaveDueWork = true;
  /** The last claim stopped at a limit, so due rows may be left behind: claim again as attempts finish. */
  private lastClaimWasCapped = false;
  private claiming?: Promise<void>;
  private claimScheduled = false;
  private readonly claimFailures: OutageLog;
  private toRelease: string[] = [];
  /** Integrations paused while a claim was under way (that claim may have read them before the pause). */
  private pausedDuringClaim = new Set<string>();
  private releasing = false;
  private stopped = false;
  private pollTimer?: NodeJS.Timeout;
  private wakeTimer?: NodeJS.Timeout;
  private wakeAt = Infinity;
  private whenIdle: Array<() => void> = [];

  constructor(options: DeliveryWorkerOptions) {
    this.settings = {
      batchSize: 256,
      pollMs: 1000,
      leaseMs: options.timeoutMs + 10_000,
      random: Math.random,
      prefetch: options.perDestination * 2,
      ...options,
    };
    this.scheduler = new Scheduler({
      concurrency: options.concurrency,
      perDestination: options.perDestination,
      prefetch: this.settings.prefetch,
      // A claimed delivery must start while its lease still outlasts the attempt with at least half the usual
      // margin; one that waited longer (its destination is slow, or its turn did not come) is released.
      maxWaitMs: Math.max(0, (this.settings.leaseMs - options.timeoutMs) / 2),
      // An open circuit's first probe is allowed by the time the failed delivery's first retry falls due (1 s,
      // or 80 % of the first retry delay — its earliest with jitter — if that is shorter), so opening the
      // circuit does not hold back the retry of the delivery that opened it.
      circuit: { probeDelayMs: Math.max(50, Math.min(1000, 0.8 * (options.retrySchedule[0] ?? 1) * 1000)), ...options.circuit },
    });
    this.targets = new TargetCache(options.secrets);
    this.results = new ResultBuffer({ pool: options.pool, workerId: this.id, log: options.log });
    this.claimFailures = new OutageLog(options.log, 'claiming deliveries');
    options.metrics.observeScheduler(() => this.scheduler.usage());
  }

  start(): void {
    this.pollTimer = setInterval(() => {
      this.scheduler.sweep(Date.now());
      this.releaseHeld();
      this.wake();
    }, this.settings.pollMs);
    this.pollTimer.unref();
    this.wake();
  }

  /** Something may be due (a notification, a reconnect, a timer). */
  wake(): void {
    this.mayHaveDueWork = true;
    this.scheduleClaim();
  }

  /**
   * An operator paused the integration: what this worker holds of it and has not started goes back to the
   * queue (which the claim skips while it is PAUSED). Attempts already in flight finish.
   */
  integrationPaused(integrationId: string): void {
    if (this.claiming) this.pausedDuringClaim.add(integrationId);
    this.scheduler.releaseDestination(integrationId);
    this.releaseHeld();
  }

  /**
   * Stops claiming, hands back what waits, lets attempts in flight finish (each is bounded by the timeout) and
   * writes their results. Results that cannot be written are redelivered by whichever worker next claims them.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.pollTimer);
    clearTimeout(this.wakeTimer);
    await this.claiming;
    this.scheduler.releaseAll();
    this.releaseHeld();
    for (let i = 0; i < 50 && (this.releasing || this.toRelease.length > 0); i++) {
      if (this.releasing) await new Promise((r) => setTimeout(r, 20));
      else await this.release();
    }
    if (this.scheduler.inflight > 0) await new Promise<void>((r) => this.whenIdle.push(r));
    await this.results.drain();
  }

  private scheduleClaim(): void {
    if (this.claimScheduled || this.claiming || this.stopped) return;
    this.claimScheduled = true;
    setImmediate(() => {
      this.claimScheduled = false;
      if (!this.claiming) this.claiming = this.claim().finally(() => (this.claiming = undefined));
    });
  }

  private async claim(): Promise<void> {
    const limit = Math.min(this.scheduler.room, this.settings.batchSize);
    if (this.stopped || !this.mayHaveDueWork || limit <= 0) return;
    this.mayHaveDueWork = false;
    let retryIn: number | undefined;
    try {
      const { known, newcomer, full } = this.scheduler.quotas(Date.now());
      const claimed = await claimDeliveries(this.settings.pool, { workerId: this.id, limit, newcomer, known, leaseMs: this.settings.leaseMs });
      this.claimFailures.succeeded();
      if (this.stopped) {
        // Stopped while claiming: hand the rows back rather than leave them to their lease.
        this.toRelease.push(...claimed.flatMap((c) => c.deliveries.map((d) => d.id)));
        await this.release();
        return;
      }
      this.scheduler.hold(this.open(claimed), Date.now());
      for (const id of this.pausedDuringClaim) this.scheduler.releaseDestination(id);
      this.pausedDuringClaim.clear();
      this.pump();
      const count = claimed.reduce((n, c) => n + c.deliveries.length, 0);
      this.lastClaimWasCapped = count === limit || full || claimed.some((c) => c.deliveries.length >= (known.get(c.id) ?? newcomer));
      if (count > 0) this.mayHaveDueWork = true;
      else await this.armWakeTimer();
    } catch (err) {
      this.mayHaveDueWork = true;
      retryIn = Math.min(5000, 100 * 2 ** Math.min(this.claimFailures.consecutiveFailures + 1, 6));
      this.claimFailures.failed(err, { retry_in_ms: retryIn });
    }
    if (retryIn !== undefined) setTimeout(() => this.wake(), retryIn).unref();
    else if (this.mayHaveDueWork && this.scheduler.room > 0) setImmediate(() => this.scheduleClaim());
  }

  /** Starts every attempt the scheduler allows now. */
  private pump(): void {
    if (this.stopped) return;
    const now = Date.now();
    for (let next = this.scheduler.next(now); next; next = this.scheduler.next(now)) this.dispatch(next);
    this.releaseHeld();
  }

  private dispatch(started: Dispatch): void {
    this.settings.metrics.dispatchWaitSeconds.observe((Date.now() - started.delivery.claimedAt) / 1000);
    void this.attempt(started).then(({ completion, outcome, failure }) => {
      this.record(completion);
      const change = this.scheduler.finished(started, failure, Date.now(), outcome.retryAfterMs);
      if (change) {
        this.results.addCircuit(change);
        const { state, nextProbeAt } = change.circuit;
        if (state !== change.from) {
          this.settings.metrics.circuitTransitions.inc({ state: state.toLowerCase() });
          this.settings.log.info({ integration: started.integrationId, from: change.from, to: state, last_error: completion.error ?? `HTTP ${completion.statusCode}` }, 'delivery circuit changed');
        }
        // A probe needs a claim of its own only for deliveries already due; a retry's timer brings its own.
        if (nextProbeAt !== null && change.queued) this.wakeIn(nextProbeAt - Date.now());
      }
      this.pump();
      if (this.scheduler.inflight === 0) this.whenIdle.splice(0).forEach((r) => r());
      if (this.lastClaimWasCapped) this.wake();
    });
  }

  /**
   * The claimed integrations with their targets opened. One whose secrets do not open (a key missing from
   * CF_ENCRYPTION_KEYS, a damaged value) sends nothing: each of its deliveries records a failed attempt saying
   * why, and is retried on the usual schedule (an operator who restores the key loses no event).
   */
  private open(claimed: readonly SealedClaim[]): ClaimedIntegration[] {
    const out: ClaimedIntegration[] = [];
    for (const { sealed, ...c } of claimed) {
      let target;
      try {
        target = this.targets.open(c.id, c.version, sealed);
      } catch (err) {
        if (!(err instanceof SecretUnreadableError)) throw err;
        this.settings.log.error({ integration: c.id, key_id: err.keyId, deliveries: c.deliveries.length }, err.message);
        for (const delivery of c.deliveries) {
          const outcome: AttemptOutcome = { startedAt: new Date(), statusCode: null, durationMs: 0, responseExcerpt: null, error: err.message };
          this.record(this.complete(c.id, delivery, outcome, delivery.body !== null));
        }
        continue;
      }
      out.push({ ...c, target });
    }
    return out;
  }

  /** Queues a result to be written, and a wake-up for when its retry falls due. */
  private record(completion: Completion): void {
    this.results.add(completion);
    if (completion.retryInSeconds !== null) this.wakeIn(completion.retryInSeconds * 1000 + 20);
  }

  private async attempt(started: Dispatch): Promise<{ completion: Completion; outcome: AttemptOutcome; failure: boolean }> {
    const { delivery, target } = started;
    const outcome: AttemptOutcome =
      delivery.body === null
        ? { startedAt: new Date(), statusCode: null, durationMs: 0, responseExcerpt: null, error: 'the event of this delivery no longer exists' }
        : await this.settings.outbound.post(target.url, deliveryHeaders(target, delivery.eventId, delivery.body), delivery.body, started.integrationId);
    this.settings.metrics.attemptSeconds.observe({ result: ServiceMetrics.resultClass(outcome.statusCode) }, outcome.durationMs / 1000);
    // A receiver that echoes its request must not put the header values or the secret into the stored excerpt.
    const scrubbed = { ...outcome, responseExcerpt: scrubSecrets(outcome.responseExcerpt, target) };
    // A delivery whose event vanished made no attempt: it says nothing about the destination.
    const failure = delivery.body !== null && isDestinationFailure(outcome);
    return { completion: this.complete(started.integrationId, delivery, scrubbed, delivery.body !== null), outcome, failure };
  }

  /** The result of one attempt (or of one that could not be made), as the retry policy decides it. */
  private complete(integrationId: string, delivery: ClaimedDelivery, outcome: AttemptOutcome, retryable: boolean): Completion {
    const { metrics } = this.settings;
    const decision = decide(outcome, delivery.attempts + 1, this.settings.retrySchedule, this.settings.random, retryable);
    metrics.deliveries.inc({ outcome: decision.outcome });
    const reason = outcome.error ?? `HTTP ${outcome.statusCode}`;
    return {
      deliveryId: delivery.id,
      integrationId,
      status: decision.status,
      retryInSeconds: decision.retryInSeconds,
      attemptId: newId('attempt'),
      attemptedAt: outcome.startedAt,
      statusCode: outcome.statusCode,
      durationMs: outcome.durationMs,
      responseExcerpt: outcome.responseExcerpt,
      error: outcome.error,
      health: decision.health,
      healthError:
        decision.health === 'gone'
          ? `The destination answered 410 Gone to delivery ${delivery.id}: the integration was disabled. Send a test event to enable it again.`
          : decision.health === 'exhausted'
            ? `Delivery ${delivery.id} failed after ${delivery.attempts + 1} attempts; last: ${reason}`
            : null,
    };
  }

  /** Queues what the scheduler gave back for release. */
  private releaseHeld(): void {
    const ids = this.scheduler.takeReleases();
    if (ids.length === 0) return;
    this.toRelease.push(...ids);
    void this.release();
  }

  /** Hands back deliveries in `toRelease`; if that fails their leases simply run out. */
  private async release(): Promise<void> {
    if (this.releasing || this.toRelease.length === 0) return;
    this.releasing = true;
    const ids = this.toRelease.splice(0);
    try {
      await releaseDeliveries(this.settings.pool, this.id, ids);
    } catch (err) {
      this.settings.log.warn({ err: { message: (err as Error).message, code: (err as { code?: string }).code }, count: ids.length }, 'releasing deliveries failed; they are retried when their lease runs out');
    } finally {
      this.releasing = false;
    }
    if (this.toRelease.length > 0) void this.release();
    this.wake();
  }

  /** Wakes the worker when the next retry or probe falls due (sooner than the fallback poll). */
  private async armWakeTimer(): Promise<void> {
    const ms = await msUntilNextDue(this.settings.pool);
    if (ms !== undefined && ms < this.settings.pollMs) this.wakeIn(ms);
  }

  private wakeIn(ms: number): void {
    const at = Date.now() + Math.max(0, ms);
    if (at >= this.wakeAt && this.wakeTimer) return;
    clearTimeout(this.wakeTimer);
    this.wakeAt = at;
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = undefined;
      this.wakeAt = Infinity;
      this.wake();
    }, Math.max(0, ms) + 5);
    this.wakeTimer.unref();
  }
}
