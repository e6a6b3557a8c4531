/**
 * The "Use from CDKTF" section keeps working as written: its minimal example imports the published package
 * (test/cdktf/package.test.ts compiles and synthesizes it against the packed tarball in a fresh project), and
 * its table lists exactly the props WebhookDestination takes.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { PACKAGE_NAME } from '../../cdktf/scripts/pack';
import { CDKTF_SECTION as SECTION, minimalExample } from './readme-example';

const ROOT = resolve(__dirname, '../..');

describe('CDKTF README section', () => {
  test('the minimal example imports the package by name, as an installed user writes it', () => {
    const example = minimalExample();
    expect(example).toContain(`from '${PACKAGE_NAME}';`);
    expect(example).not.toMatch(/from '\.{1,2}\//);
    expect(SECTION).toContain(`npm install /path/to/${PACKAGE_NAME.replace('@', '').replace('/', '-')}-`);
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
