/**
 * CDK Terrain (`cdktn`), the community continuation of CDKTF: the same construct, bindings and example app,
 * with every `import ... from 'cdktf'` answered by cdktn 0.24 (what installing cdktn under the name cdktf, or
 * an import map, does). The configuration it synthesizes must equal cdktf's, and Terraform must accept it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildMirror, runProcess, TERRAFORM, Workspace } from '../terraform/harness';

type Cdk = typeof import('cdktf');
type Example = typeof import('../../cdktf/examples/main');
type Lib = typeof import('../../cdktf/src');

/** Loads the example and the construct library in a fresh module registry on top of cdktf or cdktn. */
function load(engine: 'cdktf' | 'cdktn'): { cdk: Cdk; example: Example; lib: Lib } {
  let loaded!: { cdk: Cdk; example: Example; lib: Lib };
  jest.isolateModules(() => {
    if (engine === 'cdktn') jest.doMock('cdktf', () => jest.requireActual('cdktn'));
    else jest.dontMock('cdktf');
    loaded = { cdk: require('cdktf'), example: require('../../cdktf/examples/main'), lib: require('../../cdktf/src') };
  });
  return loaded;
}

/** The configuration without cdktf's `//` metadata (which records the library's version). */
function withoutMetadata(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutMetadata);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([k]) => k !== '//').map(([k, v]) => [k, withoutMetadata(v)]));
  }
  return value;
}

const props = { baseUrl: 'https://webhooks.example.com', auditActions: ['grant.requested', 'grant.approved'] } as const;

function synthExample({ cdk, example }: { cdk: Cdk; example: Example }): Record<string, any> {
  const stack = new example.WebhooksStack(cdk.Testing.app(), 'webhooks', props);
  return JSON.parse(cdk.Testing.synth(stack, true));
}

describe('the construct on CDK Terrain (cdktn 0.24)', () => {
  const cdktn = load('cdktn');
  const cdktf = load('cdktf');

  test('the cdktn load really runs on cdktn', () => {
    // Ephemeral resources exist in cdktn only; the stack metadata records which library synthesized it.
    expect('TerraformEphemeralResource' in cdktn.cdk).toBe(true);
    expect('TerraformEphemeralResource' in cdktf.cdk).toBe(false);
    expect(jest.requireActual('cdktn/package.json').version).toBe('0.24.0');
  });

  test('the example app synthesizes the same configuration as with cdktf 0.21', () => {
    const onTerrain = synthExample(cdktn);
    const onCdktf = synthExample(cdktf);
    expect(Object.keys(onTerrain.resource.commonfate_webhook_integration)).toHaveLength(2);
    expect(withoutMetadata(onTerrain)).toEqual(withoutMetadata(onCdktf));
  });

  test('synthesis-time validation works the same', () => {
    const { cdk, lib } = cdktn;
    const stack = new cdk.TerraformStack(cdk.Testing.app(), 'test');
    new lib.CommonfateProvider(stack, 'commonfate');
    const plain = new cdk.TerraformVariable(stack, 'token', { type: 'string' });
    new lib.WebhookDestination(stack, 'd', {
      name: 'n',
      url: 'http://hooks.example.com',
      auditLogEvents: true,
      headers: [{ name: 'Authorization', value: lib.HeaderValue.fromSensitiveVariable(plain) }],
    });
    expect(() => cdk.Testing.synth(stack, true)).toThrow(/\[test\/d\] url: must use the https scheme/);
    expect(() => cdk.Testing.synth(stack, true)).toThrow(/\[test\/d\] headers\[0\]\.value: must come from a sensitive variable/);
  });

  test('terraform init and validate accept the stack cdktn writes, with the provider from the mirror', async () => {
    const mirror = await buildMirror();
    const ws = new Workspace(mirror);
    try {
      const { cdk, example } = cdktn;
      const app = new cdk.App({ outdir: join(ws.dir, 'cdktf.out') });
      new example.WebhooksStack(app, 'webhooks', props);
      app.synth();
      const stackDir = join(ws.dir, 'cdktf.out/stacks/webhooks');
      expect(JSON.parse(readFileSync(join(stackDir, 'cdk.tf.json'), 'utf8'))['//'].metadata.version).toBe('0.24.0');
      const run = (args: string[]) => runProcess(TERRAFORM, [...args, '-no-color'], stackDir, ws.env);
      expect(await run(['init', '-input=false', '-backend=false'])).toMatchObject({ code: 0 });
      const validate = await run(['validate', '-json']);
      expect(JSON.parse(validate.stdout)).toMatchObject({ valid: true, error_count: 0 });
    } finally {
      ws.remove();
    }
  });
});
