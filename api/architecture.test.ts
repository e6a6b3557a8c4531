import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

/**
 * Dependencies point down: routers and schemas (the HTTP face of a domain), http/ and openapi/ may use http/;
 * domain code (stores, workflows, workers, events, auth, authz) may not, and nothing in the API imports from the
 * provider or CDKTF. Errors live in api/errors.ts, below everything.
 */
const API = __dirname;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [path] : [];
  });
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:import|export)[^'";]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g)]
    .map((m) => m[1] ?? m[2])
    .filter((s) => s.startsWith('.'))
    .map((s) => relative(API, resolve(file, '..', s)));
}

const mayUseHttp = (rel: string) =>
  /^(http|openapi)\//.test(rel) || /\/(router|schema|routes)\.ts$/.test(rel) || ['service.ts', 'main.ts'].includes(rel);

test('domain modules never import http/', () => {
  const offenders: string[] = [];
  for (const file of sources(API)) {
    const rel = relative(API, file);
    if (mayUseHttp(rel)) continue;
    for (const target of imports(file)) if (target.startsWith('http/') || target === 'http') offenders.push(`${rel} -> ${target}`);
  }
  expect(offenders).toEqual([]);
});

test('api/errors.ts imports nothing, and the API never imports the provider, CDKTF or the dashboard', () => {
  expect(imports(join(API, 'errors.ts'))).toEqual([]);
  const offenders = sources(API).flatMap((file) =>
    imports(file)
      .filter((t) => t.startsWith('../provider') || t.startsWith('../cdktf') || t.startsWith('../ui'))
      .map((t) => `${relative(API, file)} -> ${t}`),
  );
  expect(offenders).toEqual([]);
});
