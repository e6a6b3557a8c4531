/**
 * A destination's circuit breaker: how many attempts it may have in flight now, judged from what its recent
 * attempts did (see isDestinationFailure for what counts as a failure).
 *
 *   CLOSED     normal: up to `perDestination` in flight. Counts consecutive failures; any success resets the
 *              count. The `failureThreshold`-th failure in a row opens the circuit — or the first, while the
 *              circuit is not yet `proven` (no success seen since it was created or reset: nothing says the
 *              destination works, so a hanging new destination is not given five attempt timeouts).
 *   OPEN       a single probe in flight, and only once `nextProbeAt` has come: the wait starts at `probeDelayMs`
 *              and doubles after every failed probe up to `maxProbeDelayMs` (a Retry-After on the failing
 *              response lengthens it, up to an hour). A successful probe half-opens the circuit.
 *   HALF_OPEN  recovering: the limit starts at 2 and doubles with each success (2, 4, 8 … perDestination), like
 *              TCP's slow start; reaching perDestination closes the circuit. A failure opens it again, and the
 *              probe delay keeps growing until the circuit has closed.
 *
 * Why half-open probing rather than AIMD on every failure: a destination with a steady small error rate (a 500
 * now and then) is not down, and halving its concurrency on each error would throttle it for good; consecutive
 * failures tell "down" from "flaky". Why a probe delay: a destination that fails in a millisecond (refused,
 * reset, unresolvable) would otherwise be probed hundreds of times a second.
 *
 * Each attempt carries the `generation` it started in; the generation changes with every state change, and
 * outcomes of attempts from an earlier generation never move the state (when 32 attempts hang and time out
 * together, the first `failureThreshold` open the circuit and the other 27 are not 27 failed probes).
 */

export type CircuitState = 'CLOSED' | 'OPEN' | 'HALF_OPEN';

export interface CircuitSettings {
  /** Attempts in flight while CLOSED (CF_WEBHOOK_CONCURRENCY_PER_DESTINATION). */
  perDestination: number;
  /** Failures in a row that open the circuit. Default 5. */
  failureThreshold?: number;
  /** Wait before the first probe after opening, ms; doubles after each failed probe. Default 1000. */
  probeDelayMs?: number;
  /** Longest wait between probes, ms. Default 30000. */
  maxProbeDelayMs?: number;
}

/** The circuit as stored on the integration (and shown by the API); times in epoch ms. */
export interface CircuitSnapshot {
  state: CircuitState;
  /** Attempts allowed in flight; null while CLOSED (the per-destination limit applies). */
  maxInFlight: number | null;
  /** Failures in a row, as of the last change of state or limit. */
  consecutiveFailures: number;
  /** When the state last changed; null if it never has. */
  changedAt: number | null;
  /** While OPEN: when the next probe may start. */
  nextProbeAt: number | null;
}

/** Longest Retry-After the circuit honours before its next probe: one hour. */
const MAX_PROBE_RETRY_AFTER_MS = 60 * 60 * 1000;

export class Circuit {
  private readonly perDestination: number;
  private readonly failureThreshold: number;
  private readonly probeDelayMs: number;
  private readonly maxProbeDelayMs: number;
  state: CircuitState = 'CLOSED';
  /** Changes with every change of state; see the top of this file. */
  generation = 0;
  /** A success has been seen since this circuit was created or reset. */
  proven = false;
  private halfOpenLimit = 1;
  private failures = 0;
  /** Failed probes since the circuit last closed: each doubles the probe delay. */
  private failedProbes = 0;
  private changedAt: number | null = null;
  private nextProbeAt = 0;

  /**
   * `from`: the circuit stored on the integration, when this worker first meets it. A stored OPEN circuit is
   * met only through a claim of its probe (the claim checks the probe time), so its probe is due at once.
   */
  constructor(settings: CircuitSettings, from?: CircuitSnapshot) {
    this.perDestination = settings.perDestination;
    this.failureThreshold = settings.failureThreshold ?? 5;
    this.probeDelayMs = settings.probeDelayMs ?? 1000;
    this.maxProbeDelayMs = settings.maxProbeDelayMs ?? 30_000;
    if (from) this.reset(from);
  }

  /** Starts again from a stored circuit (a new URL, or a new worker); attempts in flight become stale. */
  reset(from: CircuitSnapshot): void {
    this.generation++;
    this.proven = false;
    this.state = from.state;
    this.failures = from.consecutiveFailures;
    this.failedProbes = 0;
    this.changedAt = from.changedAt;
    this.nextProbeAt = 0;
    this.halfOpenLimit = Math.min(this.perDestination, Math.max(1, from.maxInFlight ?? 1));
  }

  /** Attempts that may be in flight now: 0 while OPEN and the next probe is not due yet. */
  maxInFlight(now: number): number {
    switch (this.state) {
      case 'CLOSED':
        return this.perDestination;
      case 'OPEN':
        return now >= this.nextProbeAt ? 1 : 0;
      case 'HALF_OPEN':
        return this.halfOpenLimit;
    }
  }

  /**
   * Records the outcome of an attempt that started in `generation`. Returns true when the snapshot changed
   * (state, limit or probe time), i.e. when it is worth storing.
   */
  record(failure: boolean, generation: number, now: number, retryAfterMs?: number): boolean {
    if (generation !== this.generation) return false;
    if (!failure) {
      this.failures = 0;
      this.proven = true;
      switch (this.state) {
        case 'CLOSED':
          return false;
        case 'OPEN':
          this.halfOpenLimit = 1;
          this.moveTo('HALF_OPEN', now);
          this.widen(now);
          return true;
        case 'HALF_OPEN':
          this.widen(now);
          return true;
      }
    }
    this.failures++;
    switch (this.state) {
      case 'CLOSED':
        if (this.proven && this.failures < this.failureThreshold) return false;
        this.open(now, retryAfterMs);
        return true;
      case 'OPEN':
        this.failedProbes++;
        this.armProbe(now, retryAfterMs);
        return true;
      case 'HALF_OPEN':
        this.failedProbes++;
        this.open(now, retryAfterMs);
        return true;
    }
  }

  snapshot(): CircuitSnapshot {
    return {
      state: this.state,
      maxInFlight: this.state === 'CLOSED' ? null : this.state === 'OPEN' ? 1 : this.halfOpenLimit,
      consecutiveFailures: this.failures,
      changedAt: this.changedAt,
      nextProbeAt: this.state === 'OPEN' ? this.nextProbeAt : null,
    };
  }

  /** HALF_OPEN: doubles the limit; closes the circuit once it reaches perDestination. */
  private widen(now: number): void {
    this.halfOpenLimit = Math.min(this.perDestination, this.halfOpenLimit * 2);
    if (this.halfOpenLimit >= this.perDestination) {
      this.failedProbes = 0;
      this.moveTo('CLOSED', now);
    }
  }

  private open(now: number, retryAfterMs: number | undefined): void {
    this.proven = false;
    this.moveTo('OPEN', now);
    this.armProbe(now, retryAfterMs);
  }

  private armProbe(now: number, retryAfterMs: number | undefined): void {
    const backoff = Math.min(this.maxProbeDelayMs, this.probeDelayMs * 2 ** Math.min(this.failedProbes, 30));
    this.nextProbeAt = now + Math.max(backoff, Math.min(retryAfterMs ?? 0, MAX_PROBE_RETRY_AFTER_MS));
  }

  private moveTo(state: CircuitState, now: number): void {
    this.state = state;
    this.generation++;
    this.changedAt = now;
  }
}
