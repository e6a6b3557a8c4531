import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startTestService, type TestService } from '../support/service';

/**
 * The Prometheus rules in docs/alerting: valid, each alert fires on its fixture and stays quiet where it should
 * (promtool's own unit tests, rules.test.yml), and every metric they name is one the service exports.
 * promtool comes from Debian's `prometheus` package (.ci/run installs it when it is missing).
 */
const DIR = resolve(__dirname, '../../docs/alerting');
const RULES = readFileSync(resolve(DIR, 'rules.yml'), 'utf8');
const FIXTURES = readFileSync(resolve(DIR, 'rules.test.yml'), 'utf8');

function promtool(args: string[], cwd = DIR): string {
  const run = spawnSync('promtool', args, { cwd, encoding: 'utf8' });
  if (run.error) throw new Error(`promtool is needed (Debian: apt-get install prometheus; .ci/run installs it): ${run.error.message}`);
  const output = `${run.stdout}${run.stderr}`;
  if (run.status !== 0) throw new Error(`promtool ${args.join(' ')} failed:\n${output}`);
  return output;
}

describe('alerting rules', () => {
  const alerts = [...RULES.matchAll(/^\s+- alert: (\w+)$/gm)].map((m) => m[1]);

  test('promtool check rules accepts the file', () => {
    expect(promtool(['check', 'rules', 'rules.yml'])).toContain(`SUCCESS: ${(RULES.match(/^\s+- (alert|record): /gm) ?? []).length} rules found`);
  });

  test('promtool test rules: every alert fires on its fixture and is quiet where it should be', () => {
    expect(promtool(['test', 'rules', 'rules.test.yml'])).toContain('SUCCESS');
    // The list: status for long, oldest pending delivery, failing attempts, API 5xx and latency, sweeper lag.
    expect(alerts).toEqual(
      expect.arrayContaining([
        'WebhookIntegrationUnhealthy',
        'WebhookIntegrationDisabled',
        'WebhookIntegrationPausedForLong',
        'WebhookDeliveryBacklogOld',
        'WebhookAttemptFailureRatioHigh',
        'ApiErrorRatioHigh',
        'ApiLatencyHigh',
        'RetentionSweepLagging',
      ]),
    );
    for (const name of alerts) {
      // At least one evaluation where it fires and one where it must not.
      expect({ name, fires: new RegExp(`alertname: ${name}\\s+exp_alerts:\\s+- exp_labels`).test(FIXTURES) }).toEqual({ name, fires: true });
      expect({ name, quiet: new RegExp(`alertname: ${name}\\s+exp_alerts: \\[\\]`).test(FIXTURES) }).toEqual({ name, quiet: true });
    }
  });

  test('promtool test rules fails when an alert does not fire as its fixture says (the check can fail)', () => {
    // The backlog alert's threshold raised a hundredfold: its fixture no longer makes it fire.
    const dir = mkdtempSync(join(tmpdir(), 'rules-'));
    try {
      writeFileSync(join(dir, 'rules.yml'), RULES.replace('> 900', '> 90000'));
      writeFileSync(join(dir, 'rules.test.yml'), FIXTURES);
      expect(() => promtool(['test', 'rules', 'rules.test.yml'], dir)).toThrow(/WebhookDeliveryBacklogOld/);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  describe('metrics the rules use', () => {
    let svc: TestService;
    beforeAll(async () => {
      svc = await startTestService();
    });
    afterAll(() => svc?.stop());

    test('every cf_ metric named in the rules (expressions, annotations, comments) is exported by the service', async () => {
      const text = await (await fetch(`${svc.baseUrl}/metrics`)).text();
      const exported = new Set<string>();
      for (const m of text.matchAll(/^# TYPE (\S+) (\w+)$/gm)) {
        exported.add(m[1]);
        if (m[2] === 'histogram') for (const s of ['_bucket', '_sum', '_count']) exported.add(m[1] + s);
      }
      // Recording rules are named cf:…, so a cf_ name is always a metric of the service.
      const used = [...new Set([...RULES.matchAll(/(?<![\w:])cf_[a-z0-9_]+/g)].map((m) => m[0]))];
      expect(used.length).toBeGreaterThanOrEqual(10);
      expect(used.filter((name) => !exported.has(name))).toEqual([]);
    });
  });
});
