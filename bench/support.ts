import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { Client } from 'pg';
import { startEmbeddedPostgres } from '../api/db/embedded';

export const ROOT = resolve(__dirname, '..');

/** A database for a benchmark: DATABASE_URL's server if set, else a fresh embedded PostgreSQL 18. */
export async function benchDatabase(name: string): Promise<{ url: string; stop(): Promise<void> }> {
  let serverUrl = process.env.DATABASE_URL;
  let stop = async (): Promise<void> => undefined;
  if (!serverUrl) {
    const pg = await startEmbeddedPostgres(mkdtempSync(join(tmpdir(), 'cf-bench-pg-')), pino({ level: 'warn' }));
    serverUrl = pg.url;
    stop = () => pg.stop();
  }
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name}`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), stop };
}

export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => ok(port));
    });
  });
}

/** Starts a TypeScript entry point as a child process on a free PORT and resolves once `readyPath` answers 200. */
export async function spawnServer(entry: string, env: Record<string, string>, readyPath = '/healthz'): Promise<{ url: string; child: ChildProcess; stop(): Promise<void> }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ['--import', 'tsx', resolve(ROOT, entry)], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => {
    if (stderr.length < 100_000) stderr += c.toString();
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${entry} exited with ${child.exitCode}:\n${stderr}`);
    if (Date.now() > deadline) throw new Error(`${entry} did not become ready:\n${stderr}`);
    const ok = await fetch(url + readyPath).then((r) => r.ok, () => false);
    if (ok) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    child,
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}

/** Replaces (or appends) the section under `## heading` in bench/README.md. */
export function recordSection(heading: string, body: string): void {
  const file = join(ROOT, 'bench', 'README.md');
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n\nEach benchmark prints its figures beside a baseline measured in the same run on the same machine.\n';
  const section = `## ${heading}\n\n${body.trim()}\n`;
  const pattern = new RegExp(`## ${heading.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\n[\\s\\S]*?(?=\\n## |$)`);
  const next = pattern.test(current) ? current.replace(pattern, section.trimEnd() + '\n') : `${current.trimEnd()}\n\n${section}`;
  writeFileSync(file, next.endsWith('\n') ? next : next + '\n');
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}
