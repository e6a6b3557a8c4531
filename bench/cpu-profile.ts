/**
 * Summarises V8 CPU profiles (.cpuprofile, from node --cpu-prof) of provider processes: self time by where it
 * was spent — a module of the bundle (read from the per-module comments of an unminified esbuild bundle), a
 * Node.js subsystem (node:http2, node:tls, …), garbage collection, or V8 itself ("(program)": compiling,
 * interpreter entry, native code not attributed to a JS frame).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Module of each line of an unminified bundle, from esbuild's `// path/to/module.ts` comments. */
function moduleLines(bundleText: string): string[] {
  const out: string[] = [];
  let current = '(bundle runtime)';
  bundleText.split('\n').forEach((line, i) => {
    // In the executable the bundle is a JSON string inside the loader: its line breaks are "\n" escapes.
    const m = /^\/\/ ((?:node_modules|provider|api|contract)\/\S+)/.exec(line);
    if (m) current = m[1].replace(/^node_modules\/((?:@[^/]+\/)?[^/]+).*/, 'npm:$1');
    out[i] = current;
  });
  return out;
}

function category(frame: ProfileNode['callFrame'], bundleUrl: string, lines: string[]): string {
  const { url, functionName, lineNumber } = frame;
  if (!url) return functionName || '(native)';
  if (url.startsWith('node:')) {
    const name = url.replace(/^node:(internal\/)?/, '').replace(/^(deps\/)?/, '');
    return 'node:' + name.split('/')[0].replace(/^_/, '').replace(/_.*$/, '');
  }
  if (url.endsWith(bundleUrl)) return lines[lineNumber] ?? '(bundle)';
  return url.replace(/^.*\/node_modules\//, 'npm:');
}

/** Milliseconds of self time per category over every profile in `dir`, largest first. */
export function summariseProfiles(dir: string, bundleFile: string, bundleText: string): Array<[string, number]> {
  const lines = moduleLines(bundleText);
  const bundleUrl = bundleFile.split('/').pop()!;
  const totals = new Map<string, number>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile;
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    profile.samples.forEach((id, i) => {
      const node = byId.get(id)!;
      const name = category(node.callFrame, bundleUrl, lines);
      if (name === '(idle)') return;
      totals.set(name, (totals.get(name) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
    });
  }
  return [...totals].sort((a, b) => b[1] - a[1]);
}
