/**
 * The registry docs are generated from the schema (provider/docs/generate.ts); these tests fail when the
 * committed docs, the schema and the examples disagree.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderDocs } from '../../provider/docs/generate';
import { providerSchema } from '../../provider/provider';
import { dataSources, resources } from '../../provider/registry';
import type { Attributes } from '../../provider/protocol';
import { buildMirror, Workspace } from './harness';

const ROOT = join(__dirname, '..', '..');

function attributeNames(attributes: Attributes, prefix = ''): string[] {
  return Object.entries(attributes).flatMap(([name, a]) => [
    prefix + name,
    ...(a.nested ? attributeNames(a.nested.attributes, `${prefix}${name}.`) : []),
  ]);
}

describe('registry docs', () => {
  const rendered = renderDocs();

  test.each(Object.keys(rendered))('%s matches the schema (regenerate with: npx tsx provider/docs/generate.ts)', (rel) => {
    expect(readFileSync(join(ROOT, rel), 'utf8')).toBe(rendered[rel]);
  });

  test('every attribute is documented with a description, in the file for its type', () => {
    const cases: Array<[string, Attributes]> = [
      ['docs/index.md', providerSchema.attributes],
      ...resources.map((r) => [`docs/resources/${r.typeName.replace('commonfate_', '')}.md`, r.schema.attributes] as [string, Attributes]),
      ...dataSources.map((d) => [`docs/data-sources/${d.typeName.replace('commonfate_', '')}.md`, d.schema.attributes] as [string, Attributes]),
    ];
    for (const [file, attributes] of cases) {
      const doc = readFileSync(join(ROOT, file), 'utf8');
      for (const name of attributeNames(attributes)) {
        const leaf = name.split('.').pop()!;
        expect(doc).toMatch(new RegExp('^- `' + leaf + '` \\([^)]+\\) \\S', 'm'));
      }
    }
  });
});

describe('examples', () => {
  let mirror: string;
  let ws: Workspace;

  beforeAll(async () => {
    mirror = await buildMirror();
  });

  afterEach(() => ws?.remove());

  // terraform validate runs the provider's own plan-time validation too (ValidateResourceConfig).
  test.each([
    ['resources/commonfate_webhook_integration/resource.tf'],
    ['resources/commonfate_webhook_integration/write-only.tf'],
    ['data-sources/commonfate_webhook_integration/data-source.tf'],
  ])('%s passes terraform validate', async (rel) => {
    ws = new Workspace(mirror);
    ws.write(readFileSync(join(ROOT, 'examples', rel), 'utf8'));
    await ws.init();
    const { stdout } = await ws.ok(['validate']);
    expect(stdout).toContain('Success! The configuration is valid.');
  });

  test('the provider example with the import block passes terraform validate', async () => {
    ws = new Workspace(mirror);
    // provider.tf carries its own terraform block, so it is written without the harness's one.
    const dir = ws.dir;
    const files = {
      'main.tf': readFileSync(join(ROOT, 'examples/provider/provider.tf'), 'utf8'),
      'resource.tf': readFileSync(join(ROOT, 'examples/resources/commonfate_webhook_integration/resource.tf'), 'utf8'),
      'import.tf': readFileSync(join(ROOT, 'examples/resources/commonfate_webhook_integration/import-block.tf'), 'utf8'),
    };
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    await ws.init();
    const { stdout } = await ws.ok(['validate']);
    expect(stdout).toContain('Success! The configuration is valid.');
  });
});
