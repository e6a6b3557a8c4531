import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

/**
 * The dashboard is a client of the API like any other: it talks to it over HTTP only. Its source imports its own
 * files, the shared contract (audit actions) and Preact, never the API's code, so neither can grow into the other.
 */
const ROOT = resolve(__dirname, '../..');
const SRC = resolve(__dirname, '../src');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.(ts|tsx)$/.test(name) ? [path] : [];
  });
}

test('ui/src imports only itself, contract/ and preact', () => {
  const files = sources(SRC);
  expect(files.length).toBeGreaterThan(10);
  const offenders = files.flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(/(?:import|export)[^'";]*?from\s+'([^']+)'|import\s+'([^']+)'/g)]
      .map((m) => m[1] ?? m[2])
      .filter((spec) => {
        if (!spec.startsWith('.')) return !(spec === 'preact' || spec.startsWith('preact/'));
        const target = relative(ROOT, resolve(file, '..', spec));
        return !(target.startsWith('ui/src/') || target.startsWith('contract/'));
      })
      .map((spec) => `${relative(ROOT, file)} -> ${spec}`)
  );
  expect(offenders).toEqual([]);
});
