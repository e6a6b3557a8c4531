/**
 * End to end, where a CDKTF user stands: synthesize cdktf/examples/main.ts, `terraform init` the stack through the
 * filesystem mirror, apply it against the real API, check the integrations over REST, change the app and
 * re-apply (updated in place: same ids), then destroy.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startTestService, type TestService } from '../support/service';
import { api, buildMirror, runProcess, TERRAFORM, Workspace, type RunResult } from '../terraform/harness';

const ROOT = resolve(__dirname, '../..');
const EXAMPLE = join(ROOT, 'cdktf/examples/main.ts');
const SECRET = 'cdktf-e2e-token-5b9e1c';
const BASE_URL = 'http://127.0.0.1:9'; // discard port: nothing listens, and loopback is refused for delivery


describe('CDKTF example app against the real API', () => {
  let service: TestService;
  let ws: Workspace;
  let client: ReturnType<typeof api>;
  let stackDir: string;
  let ids: { audit: string; authz: string };

  /** Runs the example app as `cdktf synth` would (its cdktf.json "app"), writing into the workspace. */
  const synth = (env: Record<string, string> = {}) =>
    runProcess(join(ROOT, 'node_modules/.bin/tsx'), [EXAMPLE], ws.dir, {
      ...ws.env,
      CDKTF_OUTDIR: join(ws.dir, 'cdktf.out'),
      WEBHOOK_BASE_URL: BASE_URL,
      ...env,
    });

  /** Terraform in the synthesized stack's directory; fails the test with its output on an unexpected exit code. */
  const terraform = async (args: string[], expected = 0): Promise<RunResult> => {
    const result = await runProcess(TERRAFORM, [...args, '-no-color'], stackDir, ws.env);
    if (result.code !== expected) {
      throw new Error(`terraform ${args.join(' ')} exited ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`);
    }
    return result;
  };

  const outputs = async () => {
    const out = JSON.parse((await terraform(['output', '-json'])).stdout);
    return { audit: out.audit_sink_id.value as string, authz: out.authz_monitor_id.value as string };
  };

  beforeAll(async () => {
    let mirror: string;
    [service, mirror] = await Promise.all([startTestService(), buildMirror()]);
    client = api(service.baseUrl, service.apiKey);
    ws = new Workspace(mirror, {
      CF_API_URL: service.baseUrl,
      CF_API_KEY: service.apiKey,
      TF_VAR_audit_sink_token: SECRET,
    });
    stackDir = join(ws.dir, 'cdktf.out/stacks/webhooks');
  });

  afterAll(async () => {
    ws?.remove();
    await service?.stop();
  });

  test('synthesizes a stack that references the secret instead of containing it', async () => {
    const result = await synth();
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const json = readFileSync(join(stackDir, 'cdk.tf.json'), 'utf8');
    expect(json).not.toContain(SECRET);
    expect(json).toContain('"value": "Bearer ${var.audit_sink_token}"');
    expect(JSON.parse(json).variable.audit_sink_token.sensitive).toBe(true);
  });

  test('terraform init installs the provider from the filesystem mirror', async () => {
    await terraform(['init', '-input=false']);
    expect(readFileSync(join(stackDir, '.terraform.lock.hcl'), 'utf8')).toContain(
      'provider "registry.terraform.io/common-fate/commonfate"',
    );
  });

  test('apply creates both destinations as the app declares them', async () => {
    const { stdout } = await terraform(['apply', '-auto-approve', '-input=false']);
    expect(stdout).toContain('Apply complete! Resources: 2 added, 0 changed, 0 destroyed.');
    expect(stdout).not.toContain(SECRET);
    ids = await outputs();
    expect(ids.audit).toMatch(/^whk_[0-9A-Za-z]{27}$/);
    expect(ids.authz).toMatch(/^whk_[0-9A-Za-z]{27}$/);

    const audit = await client.get(ids.audit);
    expect(audit.status).toBe(200);
    expect(audit.body).toMatchObject({
      id: ids.audit,
      name: 'Audit sink',
      url: `${BASE_URL}/audit`,
      send_audit_log_events: true,
      send_authorization_events: false,
      headers: [
        { key: 'Authorization', value: `Bearer ${SECRET}` },
        { key: 'X-Team', value: 'platform' },
      ],
    });
    expect([...audit.body.filter_for_actions].sort()).toEqual(['grant.approved', 'grant.requested']);

    const authz = await client.get(ids.authz);
    expect(authz.status).toBe(200);
    expect(authz.body).toMatchObject({
      id: ids.authz,
      name: 'Authorization monitor',
      url: `${BASE_URL}/authz`,
      send_audit_log_events: false,
      send_authorization_events: true,
      headers: [],
      filter_for_actions: [],
    });
  });

  test('a second plan of the same app shows no changes', async () => {
    const { stdout } = await terraform(['plan', '-detailed-exitcode', '-input=false']);
    expect(stdout).toContain('No changes.');
  });

  test('an invalid setting fails synthesis, naming the property, and leaves the stack as it was', async () => {
    const before = readFileSync(join(stackDir, 'cdk.tf.json'), 'utf8');
    const result = await synth({ AUDIT_ACTIONS: 'grant.revoked,grant.revokd' });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('[webhooks/audit_sink] auditActions[1]: "grant.revokd" is not an audit log action');
    expect(readFileSync(join(stackDir, 'cdk.tf.json'), 'utf8')).toBe(before);
  });

  test('changing the app updates the audit sink in place: same ids, new filter', async () => {
    expect(await synth({ AUDIT_ACTIONS: 'grant.revoked,grant.cancelled' })).toMatchObject({ code: 0 });
    const { stdout } = await terraform(['apply', '-auto-approve', '-input=false']);
    expect(stdout).toContain('Apply complete! Resources: 0 added, 1 changed, 0 destroyed.');
    expect(stdout).toMatch(/commonfate_webhook_integration\.audit_sink_integration_\w+ will be updated in-place/);
    expect(await outputs()).toEqual(ids);
    const audit = await client.get(ids.audit);
    expect([...audit.body.filter_for_actions].sort()).toEqual(['grant.cancelled', 'grant.revoked']);
    expect(audit.body.headers).toEqual([
      { key: 'Authorization', value: `Bearer ${SECRET}` },
      { key: 'X-Team', value: 'platform' },
    ]);
  });

  test('destroy removes both integrations from the API', async () => {
    const { stdout } = await terraform(['destroy', '-auto-approve', '-input=false']);
    expect(stdout).toContain('Destroy complete! Resources: 2 destroyed.');
    expect((await client.get(ids.audit)).status).toBe(404);
    expect((await client.get(ids.authz)).status).toBe(404);
  });
});
