/**
 * Packs the CDKTF constructs as an npm package (npm run cdktf:pack -> dist/cdktf/<name>-<version>.tgz).
 *
 * The package holds compiled JavaScript (CommonJS, so plain `require` and TypeScript both use it) with .d.ts
 * files for what cdktf/src/index.ts exports and everything it imports, and nothing else. Which files that
 * is, is decided by following the imports (TypeScript's own program), not by a list: the construct shares
 * the API's validation rules through whatever module holds them today. A module the construct imports must
 * need nothing but `cdktf`, `constructs` and other such modules; anything else (a database client, the HTTP
 * stack) fails the pack, so the service cannot leak into the package. `cdktf` and `constructs` are peer
 * dependencies: the user's app provides the one copy every construct in it must share.
 *
 * Usage: tsx cdktf/scripts/pack.ts [--out-dir <dir>]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { PROVIDER_SOURCE, PROVIDER_VERSION } from '../../provider/version';

const ROOT = path.resolve(__dirname, '..', '..');
const ENTRY = path.join(ROOT, 'cdktf', 'src', 'index.ts');
export const DEFAULT_OUT_DIR = path.join(ROOT, 'dist', 'cdktf');
export const PACKAGE_NAME = '@common-fate/cdktf-provider-commonfate';
/** The only packages compiled code may import; both are peers of the package. */
export const PEER_DEPENDENCIES = { cdktf: '>=0.21.0 <1.0.0', constructs: '^10.4.2' } as const;

const COMPILER_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.CommonJS,
  moduleResolution: ts.ModuleResolutionKind.Node10,
  // The package keeps the repository's relative layout under lib/, so every relative import still resolves.
  rootDir: ROOT,
  declaration: true,
  strict: true,
  esModuleInterop: true,
  skipLibCheck: true,
  isolatedModules: true,
  types: [],
  newLine: ts.NewLineKind.LineFeed,
};

/** Compiles the entry and what it imports into `libDir`; returns the emitted files, relative to `libDir`. */
export function compile(libDir: string): string[] {
  const program = ts.createProgram([ENTRY], { ...COMPILER_OPTIONS, outDir: libDir });
  const emitted: string[] = [];
  const result = program.emit(undefined, (file, text) => {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
    emitted.push(path.relative(libDir, file));
  });
  const diagnostics = [...ts.getPreEmitDiagnostics(program), ...result.diagnostics];
  if (diagnostics.length > 0) {
    const host = { getCanonicalFileName: (f: string) => f, getCurrentDirectory: () => ROOT, getNewLine: () => '\n' };
    throw new Error(`the CDKTF package does not compile:\n${ts.formatDiagnostics(diagnostics, host)}`);
  }
  assertSelfContained(libDir, emitted);
  return emitted.sort();
}

/** Every import in the compiled code is relative (inside the package) or one of the peer dependencies. */
function assertSelfContained(libDir: string, files: string[]): void {
  const problems: string[] = [];
  for (const file of files.filter((f) => f.endsWith('.js') || f.endsWith('.d.ts'))) {
    const text = readFileSync(path.join(libDir, file), 'utf8');
    for (const [, specifier] of text.matchAll(/(?:require\(|from |import\()\s*["']([^"']+)["']/g)) {
      if (specifier.startsWith('.')) continue;
      const pkg = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0];
      if (!(pkg in PEER_DEPENDENCIES)) problems.push(`${file} imports "${specifier}"`);
    }
  }
  if (problems.length > 0) {
    throw new Error(
      `the CDKTF package may import only ${Object.keys(PEER_DEPENDENCIES).join(' and ')}; it would import:\n  ${problems.join('\n  ')}`,
    );
  }
}

function packageJson(main: string): Record<string, unknown> {
  return {
    name: PACKAGE_NAME,
    version: PROVIDER_VERSION,
    description: `CDKTF constructs for the ${PROVIDER_SOURCE} Terraform provider: WebhookDestination, HeaderValue and the generated provider bindings.`,
    license: 'UNLICENSED',
    main,
    types: main.replace(/\.js$/, '.d.ts'),
    files: ['lib', 'README.md'],
    engines: { node: '>=20' },
    peerDependencies: PEER_DEPENDENCIES,
    keywords: ['cdktf', 'terraform', 'commonfate', 'webhooks'],
  };
}

const README = `# ${PACKAGE_NAME}

CDKTF constructs for Common Fate webhook integrations, for the Terraform provider \`${PROVIDER_SOURCE}\`
${PROVIDER_VERSION}: \`WebhookDestination\` (typed audit actions, secret header values, validation at synthesis
with the API's own rules), \`HeaderValue\`, and the bindings generated from the provider's schema
(\`CommonfateProvider\`, \`WebhookIntegration\`, \`DataCommonfateWebhookIntegration\`).

\`\`\`sh
npm install ${PACKAGE_NAME} cdktf@0.21 constructs@10
\`\`\`

\`\`\`ts
import { App, TerraformStack } from 'cdktf';
import { CommonfateProvider, WebhookDestination } from '${PACKAGE_NAME}';

const app = new App();
const stack = new TerraformStack(app, 'webhooks');
new CommonfateProvider(stack, 'commonfate');
new WebhookDestination(stack, 'audit', { name: 'Audit sink', url: 'https://hooks.example.com/audit', auditLogEvents: true });
app.synth();
\`\`\`

The provider itself is installed by Terraform (a registry or a filesystem mirror); see the project's README.
`;

/** Writes the tarball into `outDir` and returns its path. */
export function pack(outDir = DEFAULT_OUT_DIR): string {
  const staging = path.join(outDir, 'package');
  rmSync(outDir, { recursive: true, force: true });
  const libDir = path.join(staging, 'lib');
  const files = compile(libDir);
  const entry = path.relative(ROOT, ENTRY).replace(/\.ts$/, '.js');
  if (!files.includes(entry)) throw new Error(`compilation did not produce ${entry}`);
  writeFileSync(path.join(staging, 'package.json'), JSON.stringify(packageJson(`lib/${entry}`), null, 2) + '\n');
  writeFileSync(path.join(staging, 'README.md'), README);
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', outDir], {
    cwd: staging,
    encoding: 'utf8',
    env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' },
  });
  const [{ filename }] = JSON.parse(out) as Array<{ filename: string }>;
  rmSync(staging, { recursive: true, force: true });
  return path.join(outDir, filename);
}

if (require.main === module) {
  const i = process.argv.indexOf('--out-dir');
  try {
    const tarball = pack(i > 0 ? path.resolve(process.argv[i + 1]) : DEFAULT_OUT_DIR);
    process.stdout.write(`wrote ${path.relative(process.cwd(), tarball)}\n`);
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
