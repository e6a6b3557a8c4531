import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';

/**
 * One run of a PostgreSQL server process (the postmaster) over a cluster directory, and the clean-up of what a
 * server that died or was abandoned leaves behind. The restart policy is ./supervisor.ts's.
 */
export interface PostmasterSpec {
  /** The `postgres` executable. */
  binary: string;
  clusterDir: string;
  port: number;
  /** Run as this OS user (Postgres refuses to run as root). */
  owner?: { uid: number; gid: number };
  log: Logger;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** The server did not become ready; `output` is the tail of what it wrote, which says why. */
export class PostmasterStartError extends Error {
  constructor(
    message: string,
    readonly output: string,
  ) {
    super(message);
    this.name = 'PostmasterStartError';
  }
}

/** How long a start may take, crash recovery included, before it counts as failed. */
const START_TIMEOUT_MS = 120_000;
const READY = 'database system is ready to accept connections';

export class Postmaster {
  /** Resolves when the process exits, for whatever reason. */
  readonly exited: Promise<ExitStatus>;
  /** Resolves once the server accepts connections; rejects with PostmasterStartError if it never does. */
  readonly ready: Promise<void>;
  private status?: ExitStatus;

  private constructor(
    private readonly child: ChildProcess,
    readonly spec: PostmasterSpec,
  ) {
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.status = { code, signal };
        resolve(this.status);
      }),
    );
    this.ready = this.waitForReady();
    this.ready.catch(() => undefined); // observed by whoever awaits it; never an unhandled rejection
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return this.status === undefined;
  }

  /**
   * Spawns the server; `ready` resolves once it accepts connections and rejects with PostmasterStartError if it
   * exits or takes too long first. `stop()` may be called at any time, during start-up too.
   */
  static spawn(spec: PostmasterSpec): Postmaster {
    const child = spawn(
      spec.binary,
      ['-D', spec.clusterDir, '-p', String(spec.port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200'],
      // Its own session: a Ctrl-C in the terminal reaches this service, which stops the database when it is done,
      // rather than the database directly, in the middle of the graceful stop.
      { stdio: ['ignore', 'ignore', 'pipe'], detached: true, ...(spec.owner ?? {}) },
    );
    return new Postmaster(child, spec);
  }

  /** Spawns the server and resolves once it accepts connections. */
  static async start(spec: PostmasterSpec): Promise<Postmaster> {
    const postmaster = Postmaster.spawn(spec);
    await postmaster.ready;
    return postmaster;
  }

  private waitForReady(): Promise<void> {
    const { log } = this.spec;
    return new Promise<void>((ready, fail) => {
      let output = '';
      let isReady = false;
      const timer = setTimeout(() => {
        fail(new PostmasterStartError(`the embedded database did not become ready within ${START_TIMEOUT_MS / 1000} s`, output));
        void this.stop();
      }, START_TIMEOUT_MS);
      // Keep draining the pipe for the server's whole life, so it never blocks on a full stderr.
      this.child.stderr?.on('data', (chunk: Buffer) => {
        const text = chunk.toString('utf8');
        if (!isReady) output = (output + text).slice(-4000);
        // The server's own lines, at debug: they include a FATAL for every connection refused during recovery. Our
        // own messages tell the story; a failed start quotes the server's last lines.
        for (const line of text.split('\n')) if (line.trim()) log.debug({ postgres: line.trim() }, 'embedded database');
        if (!isReady && text.includes(READY)) {
          isReady = true;
          clearTimeout(timer);
          ready();
        }
      });
      void this.exited.then(({ code, signal }) => {
        clearTimeout(timer);
        if (!isReady) fail(new PostmasterStartError(`the embedded database exited during start-up (${describeExit({ code, signal })})`, output));
      });
    });
  }

  /**
   * Fast shutdown (roll back open transactions, checkpoint, exit); immediate shutdown after 10 s, SIGKILL after
   * 5 s more, so a stop is bounded even while the server is busy recovering.
   */
  async stop(): Promise<void> {
    for (const [signal, waitMs] of [['SIGINT', 10_000], ['SIGQUIT', 5_000], ['SIGKILL', 5_000]] as const) {
      if (!this.running) return;
      try {
        process.kill(this.pid, signal);
      } catch {
        return; // already gone
      }
      const timeout = new Promise((r) => setTimeout(r, waitMs).unref());
      await Promise.race([this.exited, timeout]);
    }
  }
}

export function describeExit({ code, signal }: ExitStatus): string {
  return signal ? `killed by ${signal}` : `exit code ${code}`;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether a process still runs. A zombie has exited (and released its shared memory) but answers signals until
 * its parent reaps it, which for an orphan of a dead postmaster is init, sometimes late.
 */
function isRunning(pid: number): boolean {
  if (!isAlive(pid)) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return !existsSync('/proc/self'); // without /proc, trust the signal test
  }
}

async function waitUntilGone(pids: number[], ms: number): Promise<number[]> {
  const deadline = Date.now() + ms;
  let left = pids.filter(isRunning);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    left = left.filter(isRunning);
  }
  return left;
}

/** The pid recorded in `postmaster.pid` (first line), if the file exists. */
export function recordedPid(clusterDir: string): number | undefined {
  const file = join(clusterDir, 'postmaster.pid');
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/**
 * Server processes still running in `clusterDir` (Linux: every Postgres process has the cluster as its current
 * directory). Elsewhere, without /proc, none are found and Postgres's own start-up check reports them.
 */
export function serverProcesses(clusterDir: string): number[] {
  if (!existsSync('/proc/self/cwd')) return [];
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readlinkSync(`/proc/${entry}/cwd`) !== clusterDir) continue;
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'postgres') continue;
      found.push(Number(entry));
    } catch {
      // The process ended while we looked, or is not ours to inspect.
    }
  }
  return found.filter(isRunning);
}

/**
 * Makes the cluster directory free for a new server. A live postmaster left by an earlier, killed service is
 * stopped (fast, then immediate shutdown). Processes of a postmaster that died — a backend busy in a long query
 * does not notice at once — still hold its shared memory, and Postgres refuses to start until they are gone:
 * they are sent SIGQUIT, then SIGKILL. A `postmaster.pid` whose process is gone is left for Postgres, which
 * replaces it and removes the dead server's shared memory itself; one naming a live process that is not
 * Postgres (the pid was reused) is removed, or Postgres would refuse to start.
 */
export async function clearCluster(clusterDir: string, log: Logger): Promise<void> {
  const pid = recordedPid(clusterDir);
  if (pid !== undefined && isRunning(pid)) {
    const cmdline = existsSync(`/proc/${pid}/cmdline`) ? readFileSync(`/proc/${pid}/cmdline`, 'utf8') : 'postgres';
    if (cmdline.includes('postgres')) {
      log.warn({ pid }, 'stopping an embedded database left running by a previous process');
      for (const signal of ['SIGINT', 'SIGQUIT'] as const) {
        try {
          process.kill(pid, signal);
        } catch {
          break;
        }
        if ((await waitUntilGone([pid], signal === 'SIGINT' ? 10_000 : 5_000)).length === 0) break;
      }
      if (isRunning(pid)) throw new Error(`an earlier embedded database (pid ${pid}) did not stop; stop it and start again`);
    } else {
      rmSync(join(clusterDir, 'postmaster.pid'), { force: true });
    }
  }
  const leftovers = serverProcesses(clusterDir);
  if (leftovers.length === 0) return;
  log.warn({ pids: leftovers }, 'stopping processes left behind by the embedded database that stopped');
  let left = leftovers;
  for (const signal of ['SIGQUIT', 'SIGKILL'] as const) {
    for (const p of left) {
      try {
        process.kill(p, signal);
      } catch {
        // gone already
      }
    }
    left = await waitUntilGone(left, 3_000);
    if (left.length === 0) return;
  }
  throw new Error(`processes of the stopped embedded database (${left.join(', ')}) did not exit; stop them and start again`);
}
