/**
 * The committed CDKTF bindings are what @cdktf/provider-generator makes of the schema the provider built from
 * this tree reports, and the package type-checks: audit actions are a closed union, not strings.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';
import { BINDINGS_DIR, readTree } from '../../cdktf/scripts/generate';

const ROOT = resolve(__dirname, '../..');
const CDKTF_DIR = join(ROOT, 'cdktf');

function compilerOptions(): ts.CompilerOptions {
  const configFile = join(CDKTF_DIR, 'tsconfig.json');
  const { config } = ts.readConfigFile(configFile, ts.sys.readFile);
  return ts.parseJsonConfigFileContent(config, ts.sys, CDKTF_DIR, undefined, configFile).options;
}

function diagnostics(rootNames: string[]): string[] {
  const program = ts.createProgram(rootNames, compilerOptions());
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file ? `${d.file.fileName}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}: ` : '';
    return `${where}TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
}

describe('CDKTF bindings', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  test('cdktf/src/gen matches a fresh generation from the provider schema (else run `npm run cdktf:generate`)', async () => {
    const out = mkdtempSync(join(tmpdir(), 'cf-cdktf-gen-'));
    dirs.push(out);
    // The command `npm run cdktf:generate` runs, pointed at a scratch directory.
    await promisify(execFile)(join(ROOT, 'node_modules/.bin/tsx'), ['cdktf/scripts/generate.ts', '--out-dir', out], {
      cwd: ROOT,
      env: { ...process.env, CHECKPOINT_DISABLE: '1' },
    });
    const fresh = readTree(out);
    const committed = readTree(BINDINGS_DIR);
    expect(fresh.has(join('providers', 'commonfate', 'webhook-integration', 'index.ts'))).toBe(true);
    const stale = [...new Set([...fresh.keys(), ...committed.keys()])].filter((f) => fresh.get(f) !== committed.get(f));
    expect(stale).toEqual([]);
  });

  test('the construct, the bindings, the example and the generator type-check', () => {
    const roots = ['src/index.ts', 'examples/main.ts', 'scripts/generate.ts'].map((f) => join(CDKTF_DIR, f));
    expect(diagnostics(roots)).toEqual([]);
  });

  test('an audit action outside the union is a compile error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cf-cdktf-types-'));
    dirs.push(dir);
    const file = join(dir, 'bad-action.ts');
    writeFileSync(
      file,
      `import type { WebhookDestinationProps } from ${JSON.stringify(join(CDKTF_DIR, 'src'))};
export const props: WebhookDestinationProps = {
  name: 'n', url: 'https://example.com', auditLogEvents: true, auditActions: ['grant.requested', 'grant.approve'],
};
`,
    );
    const found = diagnostics([file]);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/bad-action\.ts:3: TS\d+ Type '"grant\.approve"' is not assignable to type '"grant\.requested" \|/);
    expect(found[0]).toContain(`Did you mean '"grant.approved"'?`);
  });
});
