import pino from 'pino';
import { shutdown } from './shutdown';

describe('the graceful stop', () => {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s)) });

  test('runs every step in order; a failing step is logged and the next one runs', async () => {
    const ran: string[] = [];
    await shutdown(
      [
        { name: 'first', run: async () => void ran.push('first') },
        { name: 'broken', run: async () => Promise.reject(new Error('boom')) },
        { name: 'last', run: async () => void ran.push('last') },
      ],
      10_000,
      log,
      async () => ran.push('timeout'),
    );
    expect(ran).toEqual(['first', 'last']);
    expect(lines).toContainEqual(expect.objectContaining({ level: 50, step: 'broken', msg: 'shutdown step failed' }));
  });

  test('a step that never finishes: the fallback runs and the stop rejects, naming the step', async () => {
    let fallback = false;
    const stop = shutdown(
      [
        { name: 'quick', run: async () => undefined },
        { name: 'waiting for something that never comes', run: () => new Promise(() => undefined) },
      ],
      100,
      log,
      async () => {
        fallback = true;
      },
    );
    await expect(stop).rejects.toThrow('the graceful stop did not finish within 100 ms (still waiting for something that never comes)');
    expect(fallback).toBe(true);
  });
});
