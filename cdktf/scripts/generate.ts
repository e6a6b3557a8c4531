/**
 * Generates the CDKTF bindings in cdktf/src/gen/ from the schema the built provider reports, the way `cdktf get`
 * does, but offline and without the CDKTF CLI:
 *   build the provider into a temporary filesystem mirror -> `terraform init` a configuration that requires
 *   common-fate/commonfate through it -> `terraform providers schema -json` -> @cdktf/provider-generator.
 * The bindings are committed; test/cdktf/bindings.test.ts fails when they differ from a fresh generation.
 *
 * Usage: npm run cdktf:generate   (tsx cdktf/scripts/generate.ts [--out-dir <dir>])
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { buildProvider } from '../../provider/build';
import { PROVIDER_SOURCE, PROVIDER_VERSION } from '../../provider/version';

const run = promisify(execFile);

/** Where the committed bindings live. */
export const BINDINGS_DIR = path.resolve(__dirname, '..', 'src', 'gen');
const TERRAFORM = process.env.TERRAFORM_BIN ?? 'terraform';
const FQPN = `registry.terraform.io/${PROVIDER_SOURCE}`;

/** `terraform providers schema -json` of the provider built from this tree, plus the version it was built as. */
export async function providerSchema(): Promise<Record<string, any>> {
  const work = mkdtempSync(path.join(tmpdir(), 'cf-cdktf-schema-'));
  try {
    const { mirrorDir: mirror } = await buildProvider(path.join(work, 'dist'));
    const cli = path.join(work, 'terraformrc');
    writeFileSync(
      cli,
      `provider_installation {
  filesystem_mirror {
    path    = "${mirror}"
    include = ["registry.terraform.io/common-fate/*"]
  }
  direct {
    exclude = ["registry.terraform.io/common-fate/*"]
  }
}
`,
    );
    const dir = path.join(work, 'config');
    mkdirSync(dir);
    writeFileSync(
      path.join(dir, 'main.tf'),
      `terraform {
  required_providers {
    commonfate = {
      source  = "${PROVIDER_SOURCE}"
      version = "${PROVIDER_VERSION}"
    }
  }
}
`,
    );
    const env = terraformEnv(cli);
    await run(TERRAFORM, ['init', '-input=false', '-no-color'], { cwd: dir, env });
    const { stdout } = await run(TERRAFORM, ['providers', 'schema', '-json'], { cwd: dir, env, maxBuffer: 64 << 20 });
    const schema = JSON.parse(stdout);
    if (!schema.provider_schemas?.[FQPN]) throw new Error(`terraform reported no schema for ${FQPN}`);
    // `cdktf get` adds the selected version the same way; the bindings record it in their metadata and docs links.
    schema.provider_versions = { [FQPN]: PROVIDER_VERSION };
    return schema;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function terraformEnv(cliConfig: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('TF_')) delete env[key];
  return { ...env, TF_CLI_CONFIG_FILE: cliConfig, CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1', TF_INPUT: '0' };
}

/**
 * Writes the bindings for `schema` into `outDir` (replacing what is there).
 *
 * Why not the package's `generateProviderBindingsFromSchema`: its module also loads the jsii toolchain
 * (`jsii-pacmak`, a dependency of the CDKTF CLI only) at require time although TypeScript output never uses it.
 * This is the same three steps it runs: CodeMaker -> TerraformProviderGenerator.generateAll() -> save.
 */
export async function writeBindings(schema: Record<string, any>, outDir: string): Promise<void> {
  // @cdktf/commons runs `terraform version` when it is loaded; give it a real CLI config and no update checks.
  process.env.CHECKPOINT_DISABLE = '1';
  const cli = path.join(mkdtempSync(path.join(tmpdir(), 'cf-cdktf-rc-')), 'terraformrc');
  writeFileSync(cli, '');
  const previous = process.env.TF_CLI_CONFIG_FILE;
  process.env.TF_CLI_CONFIG_FILE = cli;
  try {
    const generatorDir = path.dirname(require.resolve('@cdktf/provider-generator/package.json'));
    const { TerraformProviderGenerator } = require(path.join(generatorDir, 'lib/get/generator/provider-generator'));
    // The CodeMaker the generator itself depends on (codemaker is its dependency, not ours).
    const { CodeMaker } = require(require.resolve('codemaker', { paths: [generatorDir] }));
    const code = new CodeMaker();
    new TerraformProviderGenerator(code, schema).generateAll();
    rmSync(outDir, { recursive: true, force: true });
    await code.save(outDir);
  } finally {
    if (previous === undefined) delete process.env.TF_CLI_CONFIG_FILE;
    else process.env.TF_CLI_CONFIG_FILE = previous;
    rmSync(path.dirname(cli), { recursive: true, force: true });
  }
}

/** Every file under `dir`, relative path -> contents. */
export function readTree(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (sub: string) => {
    for (const name of readdirSync(path.join(dir, sub)).sort()) {
      const rel = path.join(sub, name);
      if (statSync(path.join(dir, rel)).isDirectory()) walk(rel);
      else files.set(rel, readFileSync(path.join(dir, rel), 'utf8'));
    }
  };
  walk('');
  return files;
}

export async function generate(outDir = BINDINGS_DIR): Promise<void> {
  await writeBindings(await providerSchema(), outDir);
}

if (require.main === module) {
  const i = process.argv.indexOf('--out-dir');
  const outDir = i > 0 ? path.resolve(process.argv[i + 1]) : BINDINGS_DIR;
  generate(outDir).then(
    () => process.stdout.write(`wrote ${path.relative(process.cwd(), outDir) || '.'}\n`),
    (err) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
