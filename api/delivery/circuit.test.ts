import { Circuit } from './circuit';

/** The circuit breaker's state machine, on a clock the test moves. */
describe('delivery circuit', () => {
  const settings = { perDestination: 32, failureThreshold: 5, probeDelayMs: 1000, maxProbeDelayMs: 30_000 };

  /** Fails `n` attempts that all started in the circuit's current generation. */
  function fail(c: Circuit, n: number, now: number, retryAfterMs?: number): boolean[] {
    const gen = c.generation;
    return Array.from({ length: n }, () => c.record(true, gen, now, retryAfterMs));
  }

  /** A circuit that has seen a success (a destination known to work). */
  function proven(): Circuit {
    const c = new Circuit(settings);
    c.record(false, c.generation, 0);
    return c;
  }

  test('a destination that has never answered opens at its first failure', () => {
    const c = new Circuit(settings);
    expect(c.maxInFlight(0)).toBe(32);
    expect(fail(c, 1, 7)).toEqual([true]);
    expect(c.snapshot()).toEqual({ state: 'OPEN', maxInFlight: 1, consecutiveFailures: 1, changedAt: 7, nextProbeAt: 1007 });
  });

  test('a proven one opens after 5 failures in a row; a success in between resets the count', () => {
    const c = proven();
    expect(fail(c, 4, 0)).toEqual([false, false, false, false]);
    expect(c.record(false, c.generation, 0)).toBe(false);
    expect(fail(c, 4, 0)).toEqual([false, false, false, false]);
    expect(c.state).toBe('CLOSED');
    expect(fail(c, 1, 10)).toEqual([true]);
    expect(c.snapshot()).toEqual({ state: 'OPEN', maxInFlight: 1, consecutiveFailures: 5, changedAt: 10, nextProbeAt: 1010 });
  });

  test('open: no attempt until the probe time, then one; failed probes double the wait up to the maximum', () => {
    const c = proven();
    fail(c, 5, 0);
    expect(c.maxInFlight(999)).toBe(0);
    expect(c.maxInFlight(1000)).toBe(1);
    const waits: number[] = [];
    let now = 1000;
    for (let i = 0; i < 7; i++) {
      fail(c, 1, now);
      const next = c.snapshot().nextProbeAt!;
      waits.push(next - now);
      now = next;
    }
    expect(waits).toEqual([2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
  });

  test('a Retry-After on the failing response lengthens the wait before the next probe (up to an hour)', () => {
    const c = proven();
    fail(c, 5, 0, 120_000);
    expect(c.snapshot().nextProbeAt).toBe(120_000);
    fail(c, 1, 120_000, 10 * 3600_000);
    expect(c.snapshot().nextProbeAt).toBe(120_000 + 3600_000);
  });

  test('recovers through HALF_OPEN: the limit doubles with each success until it closes', () => {
    const c = proven();
    fail(c, 5, 0);
    const limits: Array<[string, number]> = [];
    for (let i = 0; i < 5; i++) {
      c.record(false, c.generation, 2000 + i);
      limits.push([c.state, c.maxInFlight(2000 + i)]);
    }
    expect(limits).toEqual([
      ['HALF_OPEN', 2],
      ['HALF_OPEN', 4],
      ['HALF_OPEN', 8],
      ['HALF_OPEN', 16],
      ['CLOSED', 32],
    ]);
    expect(c.snapshot()).toMatchObject({ state: 'CLOSED', maxInFlight: null, consecutiveFailures: 0, nextProbeAt: null });
    // Recovered means proven: it takes 5 failures in a row again to open.
    expect(fail(c, 4, 3000)).toEqual([false, false, false, false]);
  });

  test('a failure while HALF_OPEN opens it again, and the probe wait keeps growing until it has closed', () => {
    const c = proven();
    fail(c, 5, 0);
    c.record(false, c.generation, 1000); // HALF_OPEN
    fail(c, 1, 1000);
    expect(c.snapshot()).toMatchObject({ state: 'OPEN', nextProbeAt: 3000 });
    c.record(false, c.generation, 3000); // HALF_OPEN again
    fail(c, 1, 3000);
    expect(c.snapshot()).toMatchObject({ state: 'OPEN', nextProbeAt: 7000 });
  });

  test('outcomes of attempts started before the latest change do not move the state', () => {
    const c = proven();
    const before = c.generation;
    fail(c, 5, 0);
    // The other 27 attempts of the burst time out later: they are not 27 failed probes.
    for (let i = 0; i < 27; i++) expect(c.record(true, before, 500)).toBe(false);
    expect(c.snapshot().nextProbeAt).toBe(1000);
    // Nor does a late success of one of them half-open it.
    expect(c.record(false, before, 600)).toBe(false);
    expect(c.state).toBe('OPEN');
  });

  test('starts from a stored circuit: an OPEN one may probe at once (it was met through a claim of its probe)', () => {
    const c = new Circuit(settings, { state: 'OPEN', maxInFlight: 1, consecutiveFailures: 9, changedAt: 5, nextProbeAt: 10_000 });
    expect(c.maxInFlight(0)).toBe(1);
    const h = new Circuit(settings, { state: 'HALF_OPEN', maxInFlight: 8, consecutiveFailures: 0, changedAt: 5, nextProbeAt: null });
    expect(h.maxInFlight(0)).toBe(8);
    expect(new Circuit(settings, { state: 'CLOSED', maxInFlight: null, consecutiveFailures: 0, changedAt: null, nextProbeAt: null }).maxInFlight(0)).toBe(32);
  });
});
