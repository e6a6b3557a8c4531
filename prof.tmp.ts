import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchDatabase, freePort } from './bench/support';
(async () => {
  const db = await benchDatabase('cf_prof');
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'prof-'));
  const KEY = 'bench-admin-key-0123456789abcdef';
  const child = spawn(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--import', 'tsx', 'api/main.ts'], {
    env: { ...process.env, DATABASE_URL: db.url, HOST: '127.0.0.1', PORT: String(port), CF_BOOTSTRAP_API_KEY: KEY, LOG_LEVEL: 'warn' }, stdio: 'inherit' });
  const url = `http://127.0.0.1:${port}`;
  for (;;) { if (await fetch(url + '/healthz').then((r) => r.ok, () => false)) break; await new Promise((r) => setTimeout(r, 100)); }
  const headers = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };
  const body = JSON.stringify({ name: 'bench', url: 'https://example.com/hook', headers: [{ key: 'X-Token', value: 'v' }] });
  const mode = process.argv[2];
  const created = await (await fetch(url + '/v1/webhook-integrations', { method: 'POST', headers, body })).json() as { id: string };
  const target = mode === 'get' ? { url: `${url}/v1/webhook-integrations/${created.id}`, headers } : { url: url + '/v1/webhook-integrations', method: 'POST' as const, headers, body };
  const r = await autocannon({ ...target, connections: 32, duration: 8 });
  console.log(mode, 'rps', r.requests.average);
  child.kill('SIGTERM');
  await new Promise((res) => child.once('exit', res));
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))!;
  const prof = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  const self = new Map<string, number>();
  const dt = prof.timeDeltas as number[];
  const byId = new Map<number, any>(prof.nodes.map((n: any) => [n.id, n]));
  const counts = new Map<number, number>();
  prof.samples.forEach((s: number, i: number) => counts.set(s, (counts.get(s) ?? 0) + (dt[i] ?? 0)));
  let total = 0;
  for (const [id, t] of counts) { const n = byId.get(id); const k = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').slice(-2).join('/')}:${n.callFrame.lineNumber}`; self.set(k, (self.get(k) ?? 0) + t); total += t; }
  console.log([...self].sort((a, b) => b[1] - a[1]).slice(0, 30).map(([k, t]) => `${(100 * t / total).toFixed(1)}% ${k}`).join('\n'));
  await db.stop();
})();
