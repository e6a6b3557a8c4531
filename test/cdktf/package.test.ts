/**
 * The CDKTF constructs as CDK users get them: `npm run cdktf:pack` makes a tarball, which is installed with npm
 * into a fresh project outside this repository (cdktf, constructs and typescript from the registry, as a user
 * installs them). The README's minimal example is compiled with tsc and synthesized, a plain JavaScript version
 * of it too, and Terraform accepts what comes out with the provider from the filesystem mirror.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { pack, PACKAGE_NAME, PEER_DEPENDENCIES } from '../../cdktf/scripts/pack';
import { PROVIDER_VERSION } from '../../provider/version';
import { buildMirror, runProcess, TERRAFORM, Workspace } from '../terraform/harness';
import { minimalExample } from './readme-example';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '../..');
/** The versions this repository is tested with, so the install resolves from the npm cache when it can. */
const rootPackage = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const versions = { ...rootPackage.dependencies, ...rootPackage.devDependencies } as Record<string, string>;

const STACK = (importLine: string) => `${importLine}

const app = new App();
const stack = new TerraformStack(app, 'webhooks');
new CommonfateProvider(stack, 'commonfate');
const token = new TerraformVariable(stack, 'audit_sink_token', { type: 'string', sensitive: true });
const audit = new WebhookDestination(stack, 'audit_sink', {
  name: 'Audit sink',
  url: 'https://webhook.example.com/audit',
  auditLogEvents: true,
  auditActions: ['grant.requested', 'grant.approved'],
  headers: [{ name: 'Authorization', value: HeaderValue.fromSensitiveVariable(token, { prefix: 'Bearer ' }) }],
});
new TerraformOutput(stack, 'audit_sink_id', { value: audit.id });
new TerraformOutput(stack, 'first_action', { value: AUDIT_ACTIONS[0] });
app.synth();
`;

describe('the packed CDKTF construct in a fresh project', () => {
  let work: string;
  let project: string;
  let tarball: string;
  let entries: string[];

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'cf-cdktf-pkg-'));
    tarball = pack(join(work, 'dist'));
    entries = (await run('tar', ['-tzf', tarball])).stdout.trim().split('\n').sort();
    project = join(work, 'app');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'webhooks-app', version: '1.0.0', private: true }));
    await run(
      'npm',
      [
        'install',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        tarball,
        `cdktf@${versions.cdktf}`,
        `constructs@${versions.constructs}`,
        `typescript@${versions.typescript}`,
      ],
      { cwd: project, env: { ...process.env, npm_config_update_notifier: 'false' } },
    );
  }, 300_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  test('the tarball holds compiled JavaScript and declarations, with cdktf and constructs as peers and nothing of the service', async () => {
    const manifest = JSON.parse(readFileSync(join(project, 'node_modules', PACKAGE_NAME, 'package.json'), 'utf8'));
    expect(manifest).toMatchObject({ name: PACKAGE_NAME, version: PROVIDER_VERSION, peerDependencies: PEER_DEPENDENCIES });
    expect(manifest.dependencies).toBeUndefined();
    expect(entries.some((e) => e.endsWith('.ts') && !e.endsWith('.d.ts'))).toBe(false);
    for (const module of ['index', 'webhook-destination', 'header-value', 'gen/providers/commonfate/webhook-integration/index']) {
      expect(entries).toEqual(expect.arrayContaining([`package/lib/cdktf/src/${module}.js`, `package/lib/cdktf/src/${module}.d.ts`]));
    }
    // Outside the construct's own folder: only the validation rules it imports (wherever they live).
    const shared = entries.filter((e) => e.startsWith('package/lib/') && !e.startsWith('package/lib/cdktf/src/'));
    const texts = shared.map((entry) => readFileSync(join(project, 'node_modules', PACKAGE_NAME, entry.slice('package/'.length)), 'utf8'));
    expect(texts.some((text) => text.includes('AUDIT_ACTIONS'))).toBe(true);
    for (const text of texts) expect(text).not.toMatch(/(?:require\(|from )["'](?!\.)/);
    expect(entries.filter((e) => /router|store|service|prisma|express|\/db\//.test(e))).toEqual([]);
  });

  test('a plain JavaScript app requires the package and synthesizes a commonfate_webhook_integration', async () => {
    writeFileSync(
      join(project, 'main.js'),
      STACK(
        `const { App, TerraformOutput, TerraformStack, TerraformVariable } = require('cdktf');\n` +
          `const { AUDIT_ACTIONS, CommonfateProvider, HeaderValue, WebhookDestination } = require('${PACKAGE_NAME}');`,
      ),
    );
    await run(process.execPath, ['main.js'], { cwd: project, env: { ...process.env, CDKTF_OUTDIR: join(project, 'out-js') } });
    const doc = JSON.parse(readFileSync(join(project, 'out-js/stacks/webhooks/cdk.tf.json'), 'utf8'));
    expect(Object.values(doc.resource.commonfate_webhook_integration)).toEqual([
      expect.objectContaining({
        name: 'Audit sink',
        send_audit_log_events: true,
        filter_for_actions: ['grant.requested', 'grant.approved'],
        headers: [{ key: 'Authorization', value: 'Bearer ${var.audit_sink_token}' }],
      }),
    ]);
    expect(doc.terraform.required_providers.commonfate).toEqual({ source: 'registry.terraform.io/common-fate/commonfate', version: PROVIDER_VERSION });
    expect(doc.output.first_action.value).toBe('grant.requested');
  });

  test("the README's TypeScript example type-checks against the declarations (a mistyped action does not) and synthesizes", async () => {
    const tsconfig = { compilerOptions: { strict: true, target: 'ES2022', module: 'commonjs', outDir: 'build', skipLibCheck: false } };
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ ...tsconfig, files: ['main.ts'] }));
    writeFileSync(join(project, 'main.ts'), minimalExample());
    const tsc = join(project, 'node_modules/.bin/tsc');
    await run(tsc, ['-p', '.'], { cwd: project });

    writeFileSync(
      join(project, 'typo.ts'),
      `import type { AuditAction } from '${PACKAGE_NAME}';\nexport const ok: AuditAction = 'grant.revoked';\nexport const a: AuditAction = 'grant.revokd';\n`,
    );
    writeFileSync(join(project, 'tsconfig.typo.json'), JSON.stringify({ ...tsconfig, files: ['typo.ts'], compilerOptions: { ...tsconfig.compilerOptions, noEmit: true } }));
    const typo = await run(tsc, ['-p', 'tsconfig.typo.json'], { cwd: project }).then(
      () => '',
      (err: { stdout: string }) => err.stdout,
    );
    expect(typo).toMatch(/typo\.ts\(3,14\): error TS\d+: Type '"grant\.revokd"' is not assignable to type/);

    await run(process.execPath, ['build/main.js'], { cwd: project, env: { ...process.env, CDKTF_OUTDIR: join(project, 'out-ts') } });
    const fromTs = JSON.parse(readFileSync(join(project, 'out-ts/stacks/webhooks/cdk.tf.json'), 'utf8'));
    const fromJs = JSON.parse(readFileSync(join(project, 'out-js/stacks/webhooks/cdk.tf.json'), 'utf8'));
    expect(fromTs.resource).toEqual(fromJs.resource);
    expect(fromTs.output.audit_sink_id.value).toMatch(/^\$\{commonfate_webhook_integration\.\w+\.id\}$/);
  });

  test('terraform init and validate accept the synthesized stack with the provider from the mirror', async () => {
    const ws = new Workspace(await buildMirror());
    try {
      for (const out of ['out-js', 'out-ts']) {
        const stackDir = join(project, out, 'stacks/webhooks');
        const tf = (args: string[]) => runProcess(TERRAFORM, [...args, '-no-color'], stackDir, ws.env);
        expect(await tf(['init', '-input=false', '-backend=false'])).toMatchObject({ code: 0 });
        const validate = await tf(['validate', '-json']);
        expect(JSON.parse(validate.stdout)).toMatchObject({ valid: true, error_count: 0 });
      }
    } finally {
      ws.remove();
    }
  });
});
