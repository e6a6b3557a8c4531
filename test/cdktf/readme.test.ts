/**
 * The "Use from CDKTF" section keeps working as written: its example compiles and synthesizes, and its table
 * lists exactly the props WebhookDestination takes.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';

const ROOT = resolve(__dirname, '../..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const SECTION = /^## Use from CDKTF\n[\s\S]*?(?=^## )/m.exec(README)?.[0] ?? '';

describe('CDKTF README section', () => {
  let dir: string;
  let file: string;
  beforeAll(() => {
    // Under the repository (ignored tmp/), so 'cdktf' resolves from its node_modules as it would for main.ts.
    mkdirSync(join(ROOT, 'tmp'), { recursive: true });
    dir = mkdtempSync(join(ROOT, 'tmp', 'cdktf-readme-'));
    const example = /```ts\n([\s\S]*?)```/.exec(SECTION)?.[1];
    if (!example) throw new Error('no ts code block in the "Use from CDKTF" section of README.md');
    expect(example).toContain("from './cdktf/src'");
    file = join(dir, 'main.ts');
    writeFileSync(file, example.replace("'./cdktf/src'", JSON.stringify(join(ROOT, 'cdktf/src'))));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('the minimal example type-checks and synthesizes the destination it shows', async () => {
    const configFile = join(ROOT, 'cdktf/tsconfig.json');
    const options = ts.parseJsonConfigFileContent(ts.readConfigFile(configFile, ts.sys.readFile).config, ts.sys, join(ROOT, 'cdktf')).options;
    const diagnostics = ts.getPreEmitDiagnostics(ts.createProgram([file], options));
    expect(diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))).toEqual([]);

    await promisify(execFile)(join(ROOT, 'node_modules/.bin/tsx'), [file], { cwd: dir });
    const doc = JSON.parse(readFileSync(join(dir, 'cdktf.out/stacks/webhooks/cdk.tf.json'), 'utf8'));
    expect(Object.values(doc.resource.commonfate_webhook_integration)).toEqual([
      expect.objectContaining({
        name: 'Audit sink',
        send_audit_log_events: true,
        filter_for_actions: ['grant.requested', 'grant.approved'],
        headers: [{ key: 'Authorization', value: 'Bearer ${var.audit_sink_token}' }],
      }),
    ]);
    expect(doc.output.audit_sink_id.value).toMatch(/^\$\{commonfate_webhook_integration\.\w+\.id\}$/);
  });

  test('the props table lists every WebhookDestinationProps property and no other', () => {
    const path = join(ROOT, 'cdktf/src/webhook-destination.ts');
    const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest);
    const props = source.statements.find(
      (s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === 'WebhookDestinationProps',
    )!;
    const declared = props.members.map((m) => (m.name as ts.Identifier).text).sort();
    const table = SECTION.slice(SECTION.indexOf('| Prop |'));
    const documented = [...table.slice(0, table.indexOf('\n\n')).matchAll(/^\| `(\w+)` \|/gm)].map((m) => m[1]).sort();
    expect(documented).toEqual(declared);
  });
});
