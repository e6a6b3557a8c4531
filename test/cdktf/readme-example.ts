/** The README's "Use from CDKTF" section and its minimal example, as the tests that keep them true read them. */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const README = readFileSync(join(resolve(__dirname, '../..'), 'README.md'), 'utf8');

/** The section's text, up to the next top-level heading. */
export const CDKTF_SECTION = /^## Use from CDKTF\n[\s\S]*?(?=^## )/m.exec(README)?.[0] ?? '';

/** The section's first TypeScript block: the minimal example a user copies into main.ts. */
export function minimalExample(): string {
  const example = /```ts\n([\s\S]*?)```/.exec(CDKTF_SECTION)?.[1];
  if (!example) throw new Error('no ts code block in the "Use from CDKTF" section of README.md');
  return example;
}
