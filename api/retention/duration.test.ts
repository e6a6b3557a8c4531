import { ConfigError, loadConfig } from '../config';
import { ksuid, ksuidFloor, ksuidTime } from '../ids';
import { formatDuration, parseDuration } from './duration';
import { partitionIntervalMs, partitionPlan } from './partitions';

const S = 1000;
const H = 3600 * S;
const D = 24 * H;

test('durations: a number and a unit, or several parts from the largest unit down', () => {
  expect(parseDuration('30d')).toBe(30 * D);
  expect(parseDuration('12h')).toBe(12 * H);
  expect(parseDuration('90s')).toBe(90 * S);
  expect(parseDuration('15m')).toBe(15 * 60 * S);
  expect(parseDuration('1h30m')).toBe(90 * 60 * S);
  expect(parseDuration(' 400d ')).toBe(400 * D);
  for (const bad of ['', '30', 'd', '0s', '-1d', '1.5h', '30 d', '1y', '30m1h', '1h1h', '10ms']) expect(parseDuration(bad)).toBeUndefined();
  expect(formatDuration(30 * D)).toBe('30d');
  expect(formatDuration(90 * 60 * S)).toBe('1h30m');
});

test('retention settings: defaults, durations, and a clear error naming a bad one', () => {
  const c = loadConfig({});
  expect(c.CF_RETENTION_AUDIT_EVENTS).toBe(400 * D);
  expect(c.CF_RETENTION_AUTHORIZATION_EVALUATIONS).toBe(30 * D);
  expect(c.CF_RETENTION_DELIVERIES).toBe(30 * D);
  expect(c.CF_RETENTION_SWEEP_INTERVAL).toBe(H);
  expect(loadConfig({ CF_RETENTION_DELIVERIES: '7d', CF_RETENTION_SWEEP_INTERVAL: '90s' })).toMatchObject({
    CF_RETENTION_DELIVERIES: 7 * D,
    CF_RETENTION_SWEEP_INTERVAL: 90 * S,
  });
  let error: unknown;
  try {
    loadConfig({ CF_RETENTION_AUDIT_EVENTS: '1 year', CF_RETENTION_SWEEP_INTERVAL: '0s' });
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(ConfigError);
  expect((error as Error).message).toMatch(/CF_RETENTION_AUDIT_EVENTS: .*30d, 12h, 15m or 90s \(got "1 year"\)/);
  expect((error as Error).message).toMatch(/CF_RETENTION_SWEEP_INTERVAL: /);
});

test('partition width: the largest step of 1 s … 7 d that is at most 1/30 of the retention', () => {
  expect(partitionIntervalMs(30 * D)).toBe(D);
  expect(partitionIntervalMs(400 * D)).toBe(7 * D);
  expect(partitionIntervalMs(12 * H)).toBe(15 * 60 * S);
  expect(partitionIntervalMs(3 * S)).toBe(S);
  // Defaults: about 30 daily partitions of evaluations and 58 weekly of audit events, each made 4 widths ahead.
  const plan = partitionPlan({ auditEventsMs: 400 * D, evaluationsMs: 30 * D, sweepIntervalMs: H });
  expect(plan.tables.map((t) => [t.table.name, t.widthMs, t.aheadMs])).toEqual([
    ['authorization_evaluations', D, 4 * D],
    ['audit_events', 7 * D, 28 * D],
  ]);
  expect(plan.ensureEveryMs).toBe(H);
  // A narrow table beside a wide one is made ahead by its own width: seconds-wide partitions, a minute ahead.
  const mixed = partitionPlan({ auditEventsMs: 400 * D, evaluationsMs: 10 * S, sweepIntervalMs: H });
  expect(mixed.tables[0]).toMatchObject({ widthMs: S, aheadMs: 30 * S });
  expect(mixed.tables[1]).toMatchObject({ widthMs: 7 * D, aheadMs: 28 * D });
});

test('KSUID bounds: the floor of a second sorts below every id of that second and above every earlier one', () => {
  const at = new Date('2026-12-01T14:00:00.500Z');
  const floor = ksuidFloor(at);
  expect(ksuidTime(floor)).toEqual(new Date('2026-12-01T14:00:00Z'));
  for (let i = 0; i < 200; i++) {
    expect(ksuid(at) >= floor).toBe(true);
    expect(ksuid(new Date(at.getTime() - 1000)) < floor).toBe(true);
    expect(ksuid(new Date(at.getTime() + 1000)) >= ksuidFloor(new Date(at.getTime() + 1000))).toBe(true);
  }
  expect(ksuidTime('not a ksuid')).toBeUndefined();
});
