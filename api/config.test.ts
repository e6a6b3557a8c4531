import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadConfig, SETTING_NAMES } from './config';

/** The README's configuration table is where operators look: every setting has a row there, with its default. */
test('every setting is in the README configuration table, and the retention rows show the defaults in force', () => {
  const readme = readFileSync(resolve(__dirname, '../README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('\n## ', readme.indexOf('## Configuration') + 1));
  const rows = new Map([...section.matchAll(/^\| `([A-Z0-9_]+)` \| ([^|]+) \|/gm)].map((m) => [m[1], m[2].trim()]));
  expect(SETTING_NAMES.length).toBeGreaterThan(20);
  expect(SETTING_NAMES.filter((name) => !rows.has(name))).toEqual([]);

  const defaults = loadConfig({});
  const DAY = 86_400_000;
  const shown = { CF_RETENTION_AUDIT_EVENTS: 400 * DAY, CF_RETENTION_AUTHORIZATION_EVALUATIONS: 30 * DAY, CF_RETENTION_DELIVERIES: 30 * DAY, CF_RETENTION_SWEEP_INTERVAL: 3_600_000 };
  const units: Record<string, number> = { d: DAY, h: 3_600_000, m: 60_000, s: 1000 };
  for (const [name, ms] of Object.entries(shown)) {
    const m = /^`(\d+)([dhms])`$/.exec(rows.get(name) ?? '');
    expect({ name, readme: m && Number(m[1]) * units[m[2]] }).toEqual({ name, readme: ms });
    expect({ name, config: defaults[name as keyof typeof defaults] }).toEqual({ name, config: ms });
  }
});
