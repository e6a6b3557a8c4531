/**
 * Running Terraform for the benchmark: the API under test as a child process, working directories with their
 * own CLI configuration, and each command's wall clock and CPU.
 *
 * CPU of a command: GNU time (`/usr/bin/time`) reports the rusage of terraform together with the provider
 * processes it started and waited for. CPU of the API: utime + stime (+ reaped children) of its process tree
 * from /proc, which includes its embedded PostgreSQL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKey } from '../api/secrets/keyring';
import { ROOT } from './support';

const TERRAFORM = process.env.TERRAFORM_BIN ?? '/usr/local/bin/terraform';
const GNU_TIME = '/usr/bin/time';
/** Linux reports /proc times in clock ticks of 1/100 s. */
const TICK_MS = 10;

export interface Workspace {
  dir: string;
  env: NodeJS.ProcessEnv;
}

/** A directory with main.tf and a CLI configuration installing the provider from `mirror` (or `devOverride`). */
export function workspace(mirror: string, config: string, env: Record<string, string>, devOverride?: string): Workspace {
  const dir = mkdtempSync(join(tmpdir(), 'cf-bench-tf-'));
  const installation = devOverride
    ? `  dev_overrides {\n    "common-fate/commonfate" = "${devOverride}"\n  }\n  direct {}\n`
    : `  filesystem_mirror {\n    path    = "${mirror}"\n    include = ["registry.terraform.io/common-fate/*"]\n  }\n  direct {\n    exclude = ["registry.terraform.io/common-fate/*"]\n  }\n`;
  writeFileSync(join(dir, '.terraformrc'), `provider_installation {\n${installation}}\n`);
  writeFileSync(join(dir, 'main.tf'), config);
  return { dir, env: { ...process.env, TF_CLI_CONFIG_FILE: join(dir, '.terraformrc'), CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1', ...env } };
}

/** Runs one terraform command to its end; fails with its output unless it exits 0 (or 2 for plan's "changes"). */
export async function runTerraform(ws: Workspace, args: string[]): Promise<{ wallMs: number; cpuMs?: number }> {
  const timeFile = join(ws.dir, '.time');
  const timed = existsSync(GNU_TIME);
  const [cmd, argv] = timed ? [GNU_TIME, ['-f', '%U %S', '-o', timeFile, TERRAFORM, ...args, '-no-color']] : [TERRAFORM, [...args, '-no-color']];
  const started = process.hrtime.bigint();
  const { code, out } = await new Promise<{ code: number | null; out: string }>((done, fail) => {
    const child = spawn(cmd, argv, { cwd: ws.dir, env: ws.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (c: Buffer) => (text += c));
    child.stderr.on('data', (c: Buffer) => (text += c));
    child.on('error', fail);
    child.on('close', (exit) => done({ code: exit, out: text }));
  });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (code !== 0) throw new Error(`terraform ${args.join(' ')} exited ${code} in ${ws.dir}:\n${out}`);
  if (!timed) return { wallMs };
  const [user, sys] = readFileSync(timeFile, 'utf8').trim().split(/\s+/).slice(-2).map(Number);
  rmSync(timeFile, { force: true });
  return { wallMs, cpuMs: (user + sys) * 1000 };
}

/** CPU (ms) of a process and all its live descendants, with the children each has already reaped. */
export function treeCpuMs(root: number): number {
  const stats = new Map<number, { ppid: number; ticks: number }>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const text = readFileSync(`/proc/${name}/stat`, 'utf8');
      // Fields after the parenthesised command name: state ppid … utime(14) stime(15) cutime(16) cstime(17).
      const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
      stats.set(Number(name), { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]) });
    } catch {
      // exited while listing
    }
  }
  let total = 0;
  const walk = (pid: number) => {
    total += stats.get(pid)?.ticks ?? 0;
    for (const [child, s] of stats) if (s.ppid === pid) walk(child);
  };
  walk(root);
  return total * TICK_MS;
}

/** The API as a child process on a random port; embedded Postgres unless DATABASE_URL is set. */
export async function startApi(apiKey: string): Promise<{ url: string; child: ChildProcess }> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: '0',
    HOST: '127.0.0.1',
    CF_BOOTSTRAP_API_KEY: apiKey,
    CF_DATA_DIR: mkdtempSync(join(tmpdir(), 'cf-bench-tf-data-')),
    // Required with DATABASE_URL; with the embedded database it spares generating one.
    CF_ENCRYPTION_KEYS: process.env.CF_ENCRYPTION_KEYS ?? generateKey(),
    LOG_LEVEL: 'info',
  };
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'api/main.ts')], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let head = '';
  const url = await new Promise<string>((ok, fail) => {
    const onData = (c: Buffer) => {
      if (head.length < 200_000) head += c.toString();
      const m = /"url":"(http:\/\/[^"]+)"[^\n]*"msg":"API listening"/.exec(head);
      if (m) ok(m[1]);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => fail(new Error(`API exited with ${code}:\n${head}`)));
  });
  // Keep draining its output so the pipe never blocks the service.
  child.stdout!.resume();
  child.stderr!.resume();
  return { url, child };
}
