import { Circuit, type CircuitSettings, type CircuitSnapshot, type CircuitState } from './circuit';
import type { ClaimedDelivery, ClaimedIntegration } from './queue';
import type { DeliveryTarget } from './request';

/**
 * The per-destination scheduler of one worker: which claimed delivery to attempt next, so the worker's slots
 * are shared fairly among the destinations (integrations) that have work, and a failing destination backs off
 * by itself (its circuit, see circuit.ts). It does no I/O: the worker claims, attempts and writes results.
 *
 * A destination is known here while it holds claimed deliveries — `waiting` for a slot, oldest due first, or
 * `running` (attempts in flight) — and for `forgetAfterMs` after that, so its circuit and standing survive
 * quiet spells (a forgotten one starts again from the circuit stored on its integration). Each known
 * destination is in one pool:
 *
 *   proven   circuit CLOSED and proven (an attempt succeeded since this worker learnt it): any free slot.
 *   fresh    circuit CLOSED, not proven yet (new, or forgotten and back): at most `freshWindow` in flight
 *            (like TCP's initial window: a healthy destination leaves this pool with its first answer; a
 *            hanging one holds no more, and its first failure opens its circuit), sharing `poolSlots`
 *            with the other fresh ones.
 *   failing  circuit OPEN or HALF_OPEN: shares another `poolSlots` for its probes and its recovery.
 *
 * So however many destinations are new or failing, proven ones keep at least concurrency − 2 × poolSlots (half
 * by default), and a new destination is never queued behind the probes of failing ones. A destination moves
 * between pools as its attempts finish: fresh → proven on a success; any → failing when its circuit opens;
 * failing → proven when it closes again.
 *
 * Invariants (assertInvariants checks them):
 *   I1  inflight = Σ running(d) ≤ concurrency, and inflightOf[pool] = Σ running(d) over the pool's destinations.
 *   I2  an attempt starts only while running(d) < limit(d) — circuit(d).maxInFlight(now), and at most
 *       freshWindow while fresh — and, outside the proven pool, while inflightOf[pool] < poolSlots.
 *   I3  activeOf[pool] = number of the pool's destinations with running > 0 or waiting deliveries.
 *   I4  `ring` holds exactly the destinations with waiting deliveries, once each; waitingCount = Σ waiting(d).
 * When a circuit opens, the destination's waiting deliveries go back to the queue at once, keeping their due
 * order there; from then on it is given one delivery per probe.
 *
 * Fair share: the next slot goes, in round-robin order over `ring`, to a destination below its share (its pool's
 * slots ÷ the pool's active destinations; for the proven pool, whatever the other pools are not using). Only
 * when none is below its share may one go above it (up to its circuit's limit), so idle slots are used; they
 * return to the fair shares as those attempts finish.
 */

export type Pool = 'proven' | 'fresh' | 'failing';

export interface SchedulerSettings {
  /** Attempts in flight in this worker, all destinations together (CF_WEBHOOK_CONCURRENCY). */
  concurrency: number;
  /** Attempts in flight to one destination while its circuit is closed (CF_WEBHOOK_CONCURRENCY_PER_DESTINATION). */
  perDestination: number;
  /** Deliveries a proven destination may hold waiting beyond its in-flight limit (scaled down with it). */
  prefetch: number;
  /** A claimed delivery not started within this many ms is released (its lease must outlast an attempt). */
  maxWaitMs: number;
  /** Slots each of the fresh and failing pools may hold. Default max(1, floor(concurrency / 4)). */
  poolSlots?: number;
  /** Attempts in flight to a fresh destination (no success yet). Default 1. */
  freshWindow?: number;
  /** How long an idle destination (nothing waiting or in flight) is remembered, ms. Default 10 minutes. */
  forgetAfterMs?: number;
  circuit?: Omit<CircuitSettings, 'perDestination'>;
}

/** A claimed delivery held here until it starts or is released. */
export interface HeldDelivery extends ClaimedDelivery {
  claimedAt: number;
  /** After this (epoch ms) the delivery is released instead of attempted. */
  dispatchBy: number;
}

/** An attempt to start now; hand it back to `finished` with its outcome. */
export interface Dispatch {
  integrationId: string;
  version: number;
  target: DeliveryTarget;
  delivery: HeldDelivery;
  generation: number;
}

/** A circuit that changed, to be stored on its integration (only if the integration is still at `version`). */
export interface CircuitChange {
  integrationId: string;
  version: number;
  /** The state before the change (the same as circuit.state when only the limit or the probe time moved). */
  from: CircuitState;
  circuit: CircuitSnapshot;
  /** The destination may have due deliveries in the queue (so its next probe is worth a claim of its own). */
  queued: boolean;
}

interface Destination {
  id: string;
  version: number;
  target: DeliveryTarget;
  circuit: Circuit;
  waiting: HeldDelivery[];
  running: number;
  lastActive: number;
  /** The quota the last claim was given for it. */
  quota: number;
  /** It may have due deliveries left in the queue: its last claim brought all it could take, or some were released. */
  queued: boolean;
}

const POOLS: readonly Pool[] = ['proven', 'fresh', 'failing'];

export class Scheduler {
  private readonly poolSlots: number;
  private readonly freshWindow: number;
  private readonly forgetAfterMs: number;
  private readonly known = new Map<string, Destination>();
  private readonly ring: Destination[] = [];
  private cursor = 0;
  private releases: string[] = [];
  private newcomerQuota = 1;
  private inflightCount = 0;
  private waitingCount = 0;
  private readonly inflightOf: Record<Pool, number> = { proven: 0, fresh: 0, failing: 0 };
  private readonly activeOf: Record<Pool, number> = { proven: 0, fresh: 0, failing: 0 };

  constructor(private readonly settings: SchedulerSettings) {
    this.poolSlots = settings.poolSlots ?? Math.max(1, Math.floor(settings.concurrency / 4));
    this.freshWindow = settings.freshWindow ?? 1;
    this.forgetAfterMs = settings.forgetAfterMs ?? 10 * 60_000;
  }

  /** Attempts in flight, all destinations together. */
  get inflight(): number {
    return this.inflightCount;
  }

  /** Rows all destinations may still hold (in flight + waiting), so a claim never brings more. */
  get room(): number {
    const { concurrency, perDestination, prefetch } = this.settings;
    return Math.ceil(concurrency * (1 + prefetch / perDestination)) - this.inflightCount - this.waitingCount;
  }

  /**
   * How many more deliveries the next claim may bring: per known destination (0 = none), and for a destination
   * this worker does not know yet (its stored circuit may lower that further). `full`: some destination could
   * start attempts but holds all it may, so it may have due rows left in the queue.
   */
  quotas(now: number): { known: Map<string, number>; newcomer: number; full: boolean } {
    const known = new Map<string, number>();
    let full = false;
    this.newcomerQuota = Math.min(this.freshWindow, Math.max(1, Math.floor(this.poolSlots / (this.activeOf.fresh + 1))));
    for (const d of this.known.values()) {
      const pool = this.poolOf(d);
      const cap = Math.min(this.limit(d, now), this.share(pool, d));
      const prefetch = pool === 'proven' ? Math.floor((this.settings.prefetch * cap) / this.settings.perDestination) : 0;
      const free = Math.max(0, cap + prefetch - d.running - d.waiting.length);
      known.set(d.id, free);
      d.quota = free;
      if (free === 0 && cap > 0) full = true;
    }
    return { known, newcomer: this.newcomerQuota, full };
  }

  /** Takes what a claim brought. A destination seen for the first time starts from its stored circuit. */
  hold(claimed: readonly ClaimedIntegration[], now: number): void {
    for (const c of claimed) {
      let d = this.known.get(c.id);
      if (d && d.version !== c.version && d.target.url !== c.target.url) {
        // The URL changed (the API reset its health and circuit): what was learnt belonged to the old one.
        const stale = d;
        this.change(stale, () => stale.circuit.reset(c.circuit));
      }
      if (!d) {
        d = {
          id: c.id,
          version: c.version,
          target: c.target,
          circuit: new Circuit({ ...this.settings.circuit, perDestination: this.settings.perDestination }, c.circuit),
          waiting: [],
          running: 0,
          lastActive: now,
          quota: this.newcomerQuota,
          queued: false,
        };
        this.known.set(d.id, d);
      }
      d.version = c.version;
      d.target = c.target;
      d.lastActive = now;
      d.queued = c.deliveries.length >= d.quota;
      const dest = d;
      this.change(dest, () => {
        for (const delivery of c.deliveries) dest.waiting.push({ ...delivery, claimedAt: now, dispatchBy: now + this.settings.maxWaitMs });
        // Its circuit opened while the claim was under way: keep only what it may send now (the probe).
        if (dest.circuit.state === 'OPEN') {
          const keep = Math.max(0, dest.circuit.maxInFlight(now) - dest.running);
          for (const w of dest.waiting.splice(keep)) this.release(dest, w);
        }
      });
    }
  }

  /** The next attempt to start now, or undefined when no destination may start one. */
  next(now: number): Dispatch | undefined {
    for (;;) {
      const d = this.pick(now);
      if (!d) return undefined;
      // Deliveries that waited past their deadline go back to the queue; if that leaves none, look again.
      this.dropExpired(d, now);
      if (d.waiting.length === 0) continue;
      let delivery!: HeldDelivery;
      this.change(d, () => {
        delivery = d.waiting.shift()!;
        d.running++;
        d.lastActive = now;
      });
      return { integrationId: d.id, version: d.version, target: d.target, delivery, generation: d.circuit.generation };
    }
  }

  /** Round robin from the cursor: the first destination below its share, else the first that may borrow. */
  private pick(now: number): Destination | undefined {
    if (this.inflightCount >= this.settings.concurrency) return undefined;
    let chosen = -1;
    let borrower = -1;
    for (let k = 0; k < this.ring.length; k++) {
      const i = (this.cursor + k) % this.ring.length;
      const d = this.ring[i];
      if (!this.mayStart(d, now)) continue;
      if (d.running < this.share(this.poolOf(d), d)) {
        chosen = i;
        break;
      }
      if (borrower < 0) borrower = i;
    }
    if (chosen < 0) chosen = borrower;
    if (chosen < 0) return undefined;
    this.cursor = chosen + 1;
    return this.ring[chosen];
  }

  /**
   * Records how a started attempt ended (`failure` per isDestinationFailure). Returns the circuit's new state
   * when it changed. A circuit that opens sends its waiting deliveries back to the queue (see takeReleases).
   */
  finished(started: Dispatch, failure: boolean, now: number, retryAfterMs?: number): CircuitChange | undefined {
    const d = this.known.get(started.integrationId)!;
    const from = d.circuit.state;
    let changed = false;
    this.change(d, () => {
      d.running--;
      d.lastActive = now;
      changed = d.circuit.record(failure, started.generation, now, retryAfterMs);
      if (d.circuit.state === 'OPEN') for (const w of d.waiting.splice(0)) this.release(d, w);
    });
    return changed ? { integrationId: d.id, version: d.version, from, circuit: d.circuit.snapshot(), queued: d.queued } : undefined;
  }

  /** Deliveries to hand back to the queue unattempted (waited too long, circuit opened, stopping). */
  takeReleases(): string[] {
    return this.releases.splice(0);
  }

  /** Moves deliveries that waited past their deadline to the releases and forgets long-idle destinations. */
  sweep(now: number): void {
    for (const d of [...this.ring]) this.dropExpired(d, now);
    for (const d of this.known.values()) {
      const idle = d.running === 0 && d.waiting.length === 0;
      if (idle && now - d.lastActive > this.forgetAfterMs) this.known.delete(d.id);
    }
  }

  /**
   * Sends one destination's waiting deliveries back (an operator paused its integration; the claim skips it
   * until it is resumed). Attempts already in flight finish.
   */
  releaseDestination(integrationId: string): void {
    const d = this.known.get(integrationId);
    if (d) this.change(d, () => d.waiting.splice(0).forEach((w) => this.release(d, w)));
  }

  /** Sends every waiting delivery back (the worker is stopping). */
  releaseAll(): void {
    for (const d of [...this.ring]) this.change(d, () => d.waiting.splice(0).forEach((w) => this.release(d, w)));
  }

  /** Throws if an invariant at the top of this file does not hold (tests call it after every step). */
  assertInvariants(): void {
    const inflightOf = { proven: 0, fresh: 0, failing: 0 };
    const activeOf = { proven: 0, fresh: 0, failing: 0 };
    let waiting = 0;
    for (const d of this.known.values()) {
      const pool = this.poolOf(d);
      inflightOf[pool] += d.running;
      if (d.running > 0 || d.waiting.length > 0) activeOf[pool]++;
      waiting += d.waiting.length;
      const inRing = this.ring.filter((r) => r === d).length;
      if (inRing !== (d.waiting.length > 0 ? 1 : 0)) throw new Error(`I4: ${d.id} is in the ring ${inRing} times with ${d.waiting.length} waiting`);
    }
    const total = inflightOf.proven + inflightOf.fresh + inflightOf.failing;
    if (total !== this.inflightCount || total > this.settings.concurrency) throw new Error(`I1: inflight ${this.inflightCount}, sum ${total}`);
    for (const p of POOLS) {
      if (inflightOf[p] !== this.inflightOf[p]) throw new Error(`I1: ${p} inflight ${this.inflightOf[p]}, sum ${inflightOf[p]}`);
      if (activeOf[p] !== this.activeOf[p]) throw new Error(`I3: ${p} active ${this.activeOf[p]}, counted ${activeOf[p]}`);
    }
    if (waiting !== this.waitingCount) throw new Error(`I4: waitingCount ${this.waitingCount}, sum ${waiting}`);
  }

  /** Counters by pool, for metrics and tests. */
  usage(): { inflight: Record<Pool, number>; active: Record<Pool, number>; poolSlots: number } {
    return { inflight: { ...this.inflightOf }, active: { ...this.activeOf }, poolSlots: this.poolSlots };
  }

  private poolOf(d: Destination): Pool {
    if (d.circuit.state !== 'CLOSED') return 'failing';
    return d.circuit.proven ? 'proven' : 'fresh';
  }

  /** Fair share of one of `pool`'s active destinations (counting `d` as active). */
  private share(pool: Pool, d: Destination): number {
    const active = this.activeOf[pool] + (d.running > 0 || d.waiting.length > 0 ? 0 : 1);
    const slots = pool === 'proven' ? this.settings.concurrency - this.inflightOf.fresh - this.inflightOf.failing : this.poolSlots;
    return Math.max(1, Math.floor(slots / active));
  }

  /** Attempts `d` may have in flight now, whatever the others do (I2). */
  private limit(d: Destination, now: number): number {
    const circuit = d.circuit.maxInFlight(now);
    return this.poolOf(d) === 'fresh' ? Math.min(circuit, this.freshWindow) : circuit;
  }

  private mayStart(d: Destination, now: number): boolean {
    if (d.waiting.length === 0 || d.running >= this.limit(d, now)) return false;
    const pool = this.poolOf(d);
    return pool === 'proven' || this.inflightOf[pool] < this.poolSlots;
  }

  private dropExpired(d: Destination, now: number): void {
    if (d.waiting.length === 0 || d.waiting[0].dispatchBy >= now) return;
    this.change(d, () => {
      while (d.waiting.length > 0 && d.waiting[0].dispatchBy < now) this.release(d, d.waiting.shift()!);
    });
  }

  private release(d: Destination, w: HeldDelivery): void {
    this.releases.push(w.id);
    d.queued = true;
  }

  /** Applies `mutate` to `d` and keeps the counters and the ring in step with it (I1, I3, I4). */
  private change(d: Destination, mutate: () => void): void {
    const before = { pool: this.poolOf(d), running: d.running, waiting: d.waiting.length };
    mutate();
    const after = { pool: this.poolOf(d), running: d.running, waiting: d.waiting.length };
    this.inflightOf[before.pool] -= before.running;
    this.inflightOf[after.pool] += after.running;
    this.inflightCount += after.running - before.running;
    this.waitingCount += after.waiting - before.waiting;
    if (before.running > 0 || before.waiting > 0) this.activeOf[before.pool]--;
    if (after.running > 0 || after.waiting > 0) this.activeOf[after.pool]++;
    if (before.waiting === 0 && after.waiting > 0) this.ring.push(d);
    else if (before.waiting > 0 && after.waiting === 0) {
      const i = this.ring.indexOf(d);
      this.ring.splice(i, 1);
      if (i < this.cursor) this.cursor--;
    }
    if (this.ring.length === 0 || this.cursor >= this.ring.length) this.cursor = 0;
  }
}
