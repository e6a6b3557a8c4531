/**
 * A write-only header from CDKTF: HeaderValue.writeOnly with an ephemeral variable synthesizes `value_wo` and
 * `headers_wo_version`, synthesis refuses what would not work, and the synthesized stack applied with the real
 * terraform binary puts the value in the API and not in the state; bumping the version rotates it.
 */
import 'cdktf/lib/testing/adapters/jest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, LocalBackend, Testing, TerraformOutput, TerraformStack, TerraformVariable } from 'cdktf';
import { CommonfateProvider, ephemeralVariable, HeaderValue, WebhookDestination, WebhookIntegration } from '../../cdktf/src';
import { acceptanceContext, api, runProcess, TERRAFORM, type RunResult } from '../terraform/harness';

Testing.setupJest();

const FIRST = 'cdktf-wo-first-2a7d';
const SECOND = 'cdktf-wo-second-9c41';

function build(stack: TerraformStack, version: number | undefined, ephemeral = true) {
  new CommonfateProvider(stack, 'commonfate');
  const token = ephemeral ? ephemeralVariable(stack, 'token') : new TerraformVariable(stack, 'token', { type: 'string', sensitive: true });
  const destination = new WebhookDestination(stack, 'audit', {
    name: 'Write-only sink',
    url: 'https://hooks.example.com/wo',
    auditLogEvents: true,
    headers: [
      { name: 'Authorization', value: HeaderValue.writeOnly(token, { prefix: 'Bearer ' }) },
      { name: 'X-Team', value: HeaderValue.plainText('platform') },
    ],
    headersWriteOnlyVersion: version,
  });
  new TerraformOutput(stack, 'id', { value: destination.id });
}

function synthError(version: number | undefined, ephemeral: boolean): string {
  const stack = new TerraformStack(Testing.app(), 'test');
  build(stack, version, ephemeral);
  try {
    Testing.synth(stack, true);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('synthesis succeeded, expected a validation error');
}

describe('HeaderValue.writeOnly synthesis', () => {
  test('synthesizes value_wo from an ephemeral, sensitive variable and headers_wo_version', () => {
    const stack = new TerraformStack(Testing.app(), 'test');
    build(stack, 1);
    const synth = Testing.synth(stack, true);
    expect(synth).toHaveResourceWithProperties(WebhookIntegration, {
      headers: [
        { key: 'Authorization', value_wo: 'Bearer ${var.token}' },
        { key: 'X-Team', value: 'platform' },
      ],
      headers_wo_version: 1,
    });
    const doc = JSON.parse(synth);
    expect(doc.variable.token).toEqual({ type: 'string', sensitive: true, ephemeral: true });
    const [resource] = Object.values(doc.resource.commonfate_webhook_integration) as Array<{ headers: Array<Record<string, unknown>> }>;
    expect(Object.keys(resource.headers[0]).sort()).toEqual(['key', 'value_wo']);
  });

  test('without headersWriteOnlyVersion, or from a variable that is not ephemeral, synthesis fails naming the property', () => {
    expect(synthError(undefined, true)).toContain('headersWriteOnlyVersion: is required because headers[0] is write-only');
    const message = synthError(1, false);
    expect(message).toContain('headers[0].value: must come from an ephemeral variable for a write-only value');
    expect(message).toContain('ephemeralVariable()');
  });
});

describe('a synthesized write-only stack with the real terraform', () => {
  const ctx = acceptanceContext();
  let outdir: string;
  const stackDir = () => join(outdir, 'stacks', 'webhooks');

  const terraform = async (args: string[], token: string, expected = 0): Promise<RunResult> => {
    const env = { ...ctx.workspace().env, TF_VAR_token: token };
    const result = await runProcess(TERRAFORM, [...args, '-no-color'], stackDir(), env);
    if (result.code !== expected) throw new Error(`terraform ${args.join(' ')} exited ${result.code}\n${result.stdout}\n${result.stderr}`);
    return result;
  };

  const stateFile = () => join(outdir, 'terraform.tfstate');
  const synthesize = (version: number) => {
    const app = new App({ outdir });
    const stack = new TerraformStack(app, 'webhooks');
    // The state file in the scratch directory (CDKTF's default puts it in the working directory).
    new LocalBackend(stack, { path: stateFile() });
    build(stack, version);
    app.synth();
  };

  beforeAll(() => {
    outdir = mkdtempSync(join(tmpdir(), 'cf-cdktf-wo-'));
  });
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  test('apply sends the value to the API and keeps it out of the state; a new version rotates it; the next plan is empty', async () => {
    synthesize(1);
    expect(readFileSync(join(stackDir(), 'cdk.tf.json'), 'utf8')).not.toContain(FIRST);
    await terraform(['init', '-input=false'], FIRST);
    await terraform(['apply', '-auto-approve'], FIRST);
    const id = JSON.parse((await terraform(['output', '-json'], FIRST)).stdout).id.value as string;
    const client = api(ctx.service.baseUrl, ctx.service.apiKey);
    expect((await client.get(id)).body.headers[0]).toEqual({ key: 'Authorization', value: `Bearer ${FIRST}` });
    expect(readFileSync(stateFile(), 'utf8')).not.toContain(FIRST);

    synthesize(2);
    await terraform(['apply', '-auto-approve'], SECOND);
    expect((await client.get(id)).body.headers[0]).toEqual({ key: 'Authorization', value: `Bearer ${SECOND}` });
    const state = readFileSync(stateFile(), 'utf8');
    expect(JSON.parse(state).resources.find((r: { type: string }) => r.type === 'commonfate_webhook_integration').instances[0].attributes.headers_wo_version).toBe(2);
    expect(state).not.toContain(FIRST);
    expect(state).not.toContain(SECOND);
    await terraform(['plan', '-detailed-exitcode'], SECOND, 0);
    await terraform(['destroy', '-auto-approve'], SECOND);
    expect((await client.get(id)).status).toBe(404);
  });
});
