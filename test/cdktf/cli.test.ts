/**
 * The example app driven by the real CDKTF CLI (cdktf-cli 0.21), as CDK users run it: `cdktf synth`,
 * `cdktf deploy` and `cdktf destroy`, with the provider installed from the filesystem mirror and the real API.
 *
 * `--skip-provider-lock` is required, and this test is where that shows: the CLI's lock step runs
 * `terraform providers lock` for the platforms it wants, which ignores the CLI configuration's mirrors and
 * asks the public registry. The init the CLI runs before deploy does use the mirror and writes the lock file.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startTestService, type TestService } from '../support/service';
import { api, buildMirror, runProcess, Workspace, type RunResult } from '../terraform/harness';

const ROOT = resolve(__dirname, '../..');
const CDKTF = join(ROOT, 'node_modules/.bin/cdktf');
const SECRET = 'cdktf-cli-token-7c2d41';
const BASE_URL = 'http://127.0.0.1:9'; // discard port: nothing listens, and loopback is refused for delivery

describe('cdktf CLI: synth, deploy and destroy the example app', () => {
  let service: TestService;
  let ws: Workspace;
  let client: ReturnType<typeof api>;
  let home: string;

  const cdktf = async (args: string[], expected = 0): Promise<RunResult> => {
    const result = await runProcess(CDKTF, args, ws.dir, {
      ...ws.env,
      CF_API_URL: service.baseUrl,
      CF_API_KEY: service.apiKey,
      TF_VAR_audit_sink_token: SECRET,
      WEBHOOK_BASE_URL: BASE_URL,
      // The CLI's own state (~/.cdktf), plugin cache and logs stay in the test's directories.
      CDKTF_HOME: home,
      CDKTF_DISABLE_PLUGIN_CACHE_ENV: '1',
      CDKTF_LOG_FILE_DIRECTORY: home,
      CI: '1',
      FORCE_COLOR: '0',
    });
    if (result.code !== expected) {
      throw new Error(`cdktf ${args.join(' ')} exited ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`);
    }
    return result;
  };

  beforeAll(async () => {
    let mirror: string;
    [service, mirror] = await Promise.all([startTestService(), buildMirror()]);
    client = api(service.baseUrl, service.apiKey);
    ws = new Workspace(mirror);
    home = mkdtempSync(join(tmpdir(), 'cf-cdktf-home-'));
    // The example's own cdktf.json, with the app and its output made absolute so the project lives here.
    const config = JSON.parse(readFileSync(join(ROOT, 'cdktf/examples/cdktf.json'), 'utf8'));
    writeFileSync(
      join(ws.dir, 'cdktf.json'),
      JSON.stringify({ ...config, app: `${join(ROOT, 'node_modules/.bin/tsx')} ${join(ROOT, 'cdktf/examples/main.ts')}`, output: 'cdktf.out' }),
    );
  });

  afterAll(async () => {
    ws?.remove();
    if (home) rmSync(home, { recursive: true, force: true });
    await service?.stop();
  });

  test('cdktf synth writes the stack, referencing the secret instead of containing it', async () => {
    await cdktf(['synth']);
    const json = readFileSync(join(ws.dir, 'cdktf.out/stacks/webhooks/cdk.tf.json'), 'utf8');
    expect(json).not.toContain(SECRET);
    expect(Object.keys(JSON.parse(json).resource.commonfate_webhook_integration)).toHaveLength(2);
  });

  test('cdktf deploy --skip-provider-lock installs the provider from the mirror and creates both destinations', async () => {
    const { stdout } = await cdktf(['deploy', 'webhooks', '--auto-approve', '--skip-provider-lock']);
    expect(stdout).toContain('Apply complete! Resources: 2 added, 0 changed, 0 destroyed.');
    expect(stdout).not.toContain(SECRET);
    expect(readFileSync(join(ws.dir, 'cdktf.out/stacks/webhooks/.terraform.lock.hcl'), 'utf8')).toContain(
      'provider "registry.terraform.io/common-fate/commonfate"',
    );
    const ids = [...stdout.matchAll(/(audit_sink_id|authz_monitor_id) = (whk_[0-9A-Za-z]{27})/g)].map((m) => m[2]);
    expect(ids).toHaveLength(2);
    const items = (await client.listAll()).filter((i) => ids.includes(i.id));
    expect(items.map((i) => i.name).sort()).toEqual(['Audit sink', 'Authorization monitor']);
    expect(items.find((i) => i.name === 'Audit sink')!.headers).toEqual([
      { key: 'Authorization', value: `Bearer ${SECRET}` },
      { key: 'X-Team', value: 'platform' },
    ]);
    // The default local backend keeps state beside cdktf.json, as the README says.
    expect(existsSync(join(ws.dir, 'terraform.webhooks.tfstate'))).toBe(true);
  });

  test('cdktf destroy --skip-provider-lock removes both destinations', async () => {
    const before = (await client.listAll()).filter((i) => ['Audit sink', 'Authorization monitor'].includes(i.name));
    expect(before).toHaveLength(2);
    const { stdout } = await cdktf(['destroy', 'webhooks', '--auto-approve', '--skip-provider-lock']);
    expect(stdout).toContain('Destroy complete! Resources: 2 destroyed.');
    for (const item of before) expect((await client.get(item.id)).status).toBe(404);
  });
});
