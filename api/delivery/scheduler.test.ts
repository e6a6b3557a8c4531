import type { ClaimedIntegration } from './queue';
import { Scheduler, type Dispatch, type Pool, type SchedulerSettings } from './scheduler';

/** The scheduler on its own (it does no I/O): what a claim brings in, what it starts, what finishes. */
describe('delivery scheduler', () => {
  let seq = 0;
  const closed = { state: 'CLOSED' as const, maxInFlight: null, consecutiveFailures: 0, changedAt: null, nextProbeAt: null };

  function claimed(id: string, n: number): ClaimedIntegration {
    return {
      id,
      version: 1,
      target: { url: `https://${id}.example.test/hook`, headers: [], signingSecret: 'whsec_x', previousSecret: null },
      circuit: closed,
      deliveries: Array.from({ length: n }, () => ({ id: `dlv_${++seq}`, eventId: `evt_${seq}`, attempts: 0, body: '{}' })),
    };
  }

  function make(overrides: Partial<SchedulerSettings> = {}): Scheduler {
    return new Scheduler({ concurrency: 16, perDestination: 4, prefetch: 8, maxWaitMs: 60_000, ...overrides });
  }

  /** Starts everything the scheduler allows now. */
  function startAll(s: Scheduler, now = 0): Dispatch[] {
    const out: Dispatch[] = [];
    for (let d = s.next(now); d; d = s.next(now)) {
      out.push(d);
      s.assertInvariants();
    }
    return out;
  }

  const count = (started: Dispatch[]) => started.reduce<Record<string, number>>((m, d) => ({ ...m, [d.integrationId]: (m[d.integrationId] ?? 0) + 1 }), {});

  /** Makes `id` proven: one attempt that succeeds. */
  function prove(s: Scheduler, id: string, now = 0): void {
    s.hold([claimed(id, 1)], now);
    const d = startAll(s, now).find((x) => x.integrationId === id)!;
    s.finished(d, false, now);
  }

  test('the slots are shared round robin: every destination with work gets its share', () => {
    const s = make({ concurrency: 6 });
    for (const id of ['a', 'b', 'c']) prove(s, id);
    s.hold([claimed('a', 20), claimed('b', 20), claimed('c', 20)], 0);
    expect(count(startAll(s))).toEqual({ a: 2, b: 2, c: 2 });
  });

  test('a paused destination hands back what waits; its attempts in flight finish and the others go on', () => {
    const s = make({ concurrency: 4 });
    for (const id of ['a', 'b']) prove(s, id);
    s.hold([claimed('a', 10), claimed('b', 10)], 0);
    const started = startAll(s);
    expect(count(started)).toEqual({ a: 2, b: 2 });
    s.takeReleases();
    s.releaseDestination('a');
    s.assertInvariants();
    expect(s.takeReleases()).toHaveLength(8);
    for (const d of started) s.finished(d, false, 1);
    s.assertInvariants();
    expect(count(startAll(s, 1))).toEqual({ b: 4 });
  });

  test('a destination may use idle slots beyond its share, up to its own limit', () => {
    const s = make({ concurrency: 16 });
    for (const id of ['a', 'b']) prove(s, id);
    s.hold([claimed('a', 20), claimed('b', 1)], 0);
    expect(count(startAll(s))).toEqual({ a: 4, b: 1 });
  });

  test('however many destinations hang before their first answer, a proven one keeps its slots', () => {
    const s = make();
    prove(s, 'healthy');
    s.hold(Array.from({ length: 100 }, (_x, i) => claimed(`new${i}`, 5)), 0);
    const started = startAll(s);
    // Fresh destinations: one in flight each, 4 (= 16 / 4) together.
    expect(started).toHaveLength(4);
    expect(Math.max(...Object.values(count(started)))).toBe(1);
    s.hold([claimed('healthy', 10)], 0);
    expect(count(startAll(s))).toEqual({ healthy: 4 });
    expect(s.usage().inflight).toEqual({ proven: 4, fresh: 4, failing: 0 });
  });

  test('a failing destination drops to one probe, gives its waiting deliveries back, and comes back as it succeeds', () => {
    const s = make({ circuit: { failureThreshold: 3, probeDelayMs: 1000 } });
    prove(s, 'x');
    const held = claimed('x', 12);
    s.hold([held], 0);
    const first = startAll(s, 0);
    expect(first).toHaveLength(4);
    let change;
    for (const d of first.slice(0, 3)) change = s.finished(d, true, 10) ?? change;
    expect(change).toMatchObject({ integrationId: 'x', from: 'CLOSED', circuit: { state: 'OPEN', maxInFlight: 1 } });
    // Its 8 waiting deliveries go back to the queue (they keep their due order there).
    expect(s.takeReleases()).toEqual(held.deliveries.slice(4).map((d) => d.id));
    s.finished(first[3], true, 20); // a stale outcome: started before the circuit opened
    expect(s.quotas(500).known.get('x')).toBe(0); // nothing until the probe is due
    expect(s.quotas(1010).known.get('x')).toBe(1);

    s.hold([claimed('x', 1)], 1010);
    const probe = startAll(s, 1010);
    expect(probe).toHaveLength(1);
    expect(s.finished(probe[0], false, 1020)).toMatchObject({ from: 'OPEN', circuit: { state: 'HALF_OPEN', maxInFlight: 2 } });
    const limits: number[] = [];
    for (let i = 0; i < 3; i++) {
      s.hold([claimed('x', 10)], 1030);
      const batch = startAll(s, 1030);
      limits.push(batch.length);
      for (const d of batch) s.finished(d, false, 1040);
      s.takeReleases();
    }
    expect(limits).toEqual([2, 4, 4]);
    expect(s.usage().active.proven).toBe(1);
  });

  test('a delivery that waited past its deadline is released, not attempted', () => {
    const s = make({ maxWaitMs: 100 });
    prove(s, 'a');
    s.hold([claimed('a', 10)], 0);
    expect(startAll(s, 0)).toHaveLength(4);
    s.sweep(200);
    expect(s.takeReleases()).toHaveLength(6);
    s.assertInvariants();
  });

  test('random claims, starts and outcomes keep every invariant, and no start breaks a limit', () => {
    let rnd = 42;
    const random = () => ((rnd = (rnd * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const s = make({ concurrency: 24, perDestination: 6, prefetch: 12, maxWaitMs: 2000, circuit: { failureThreshold: 3, probeDelayMs: 50 } });
    const ids = Array.from({ length: 30 }, (_x, i) => `d${i}`);
    const failRate = new Map(ids.map((id, i) => [id, i % 3 === 0 ? 0.95 : i % 3 === 1 ? 0.05 : 0.5]));
    const running: Dispatch[] = [];
    let now = 0;
    for (let step = 0; step < 20_000; step++) {
      now += Math.floor(random() * 5);
      const r = random();
      if (r < 0.2) {
        const { known, newcomer } = s.quotas(now);
        const id = ids[Math.floor(random() * ids.length)];
        const n = Math.min(known.get(id) ?? newcomer, Math.floor(random() * 8));
        if (n > 0) s.hold([claimed(id, n)], now);
      } else if (r < 0.6) {
        const before = s.usage().inflight;
        const d = s.next(now);
        if (d) {
          running.push(d);
          const after = s.usage().inflight;
          const pool = (Object.keys(after) as Pool[]).find((p) => after[p] === before[p] + 1)!;
          if (pool !== 'proven') expect(before[pool]).toBeLessThan(s.usage().poolSlots);
          expect(s.inflight).toBeLessThanOrEqual(24);
        }
      } else if (r < 0.95 && running.length > 0) {
        const d = running.splice(Math.floor(random() * running.length), 1)[0];
        s.finished(d, random() < failRate.get(d.integrationId)!, now);
      } else {
        s.sweep(now);
      }
      s.takeReleases();
      s.assertInvariants();
    }
    // What the scheduler counts in flight is exactly what it handed out and did not get back.
    expect(s.usage().inflight.proven + s.usage().inflight.failing + s.usage().inflight.fresh).toBe(running.length);
    expect(s.inflight).toBe(running.length);
  });
});
