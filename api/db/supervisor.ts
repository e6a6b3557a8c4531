import type { Logger } from 'pino';
import { clearCluster, describeExit, Postmaster, PostmasterStartError, type PostmasterSpec } from './postmaster';

/**
 * Keeps the embedded PostgreSQL running for the life of the service.
 *
 * States:
 * - `running`: a postmaster is up. Its unexpected exit (kill -9, an OOM kill, a crash, a stop from outside) moves
 *   to `restarting`. `stop()` moves to `stopped`.
 * - `restarting`: up to `maxAttempts` starts, the first at once and each next one after a doubling delay
 *   (`firstDelayMs`, capped at `maxDelayMs`). Before each, what the dead server left behind is cleared (its
 *   processes, a stale postmaster.pid; Postgres removes its old shared memory itself). The server restarts on the
 *   same port, so connection strings stay valid, and replays its write-ahead log: nothing committed is lost. A
 *   start that succeeds moves back to `running` and calls the `onRestarted` handlers. When every attempt has
 *   failed it moves to `failed`.
 * - `failed` (final): the reason is logged and `failed` resolves, so the service can exit non-zero and let a
 *   process manager act; the service never runs on without its database.
 * - `stopped` (final): stopped on purpose; nothing restarts it.
 * The attempt count is per outage: it starts afresh once the server has stayed up for `stableMs`, so a server
 * that keeps crashing right after each start still runs out of attempts.
 */
export type SupervisorState =
  | { state: 'running' }
  | { state: 'restarting'; attempt: number; of: number; since: Date }
  | { state: 'failed'; reason: string }
  | { state: 'stopped' };

export interface RestartPolicy {
  /** Starts tried after an unexpected exit before giving up. Default 5. */
  maxAttempts: number;
  /** Delay before the second attempt, ms; it doubles for each next one. Default 500. */
  firstDelayMs: number;
  /** Longest delay between attempts, ms. Default 10000. */
  maxDelayMs: number;
  /** How long the server must stay up after a restart before a later exit counts as a new outage, ms. Default 60000. */
  stableMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = { maxAttempts: 5, firstDelayMs: 500, maxDelayMs: 10_000, stableMs: 60_000 };

export class Supervisor {
  private current: SupervisorState = { state: 'running' };
  private attemptsUsed = 0;
  private upSince = Date.now();
  private timer?: NodeJS.Timeout;
  private starting?: Promise<unknown>;
  /** A postmaster being started by a restart attempt, not yet ready. */
  private pending?: Postmaster;
  private lastFailure = '';
  private readonly restartedHandlers: Array<() => void> = [];
  private resolveFailed!: (reason: Error) => void;
  /** Resolves (never rejects) with the reason when the supervisor gives up; pending for as long as it has not. */
  readonly failed = new Promise<Error>((resolve) => (this.resolveFailed = resolve));

  constructor(
    private postmaster: Postmaster,
    private readonly spec: PostmasterSpec,
    private readonly policy: RestartPolicy,
    private readonly log: Logger,
  ) {
    this.watch(postmaster);
  }

  get state(): SupervisorState {
    return this.current;
  }

  onRestarted(handler: () => void): this {
    this.restartedHandlers.push(handler);
    return this;
  }

  /** Stops the server (and any restart under way) for good. */
  async stop(): Promise<void> {
    if (this.current.state === 'stopped') return;
    const wasFailed = this.current.state === 'failed';
    this.current = { state: 'stopped' };
    clearTimeout(this.timer);
    await this.pending?.stop();
    await this.starting?.catch(() => undefined);
    if (!wasFailed) await this.postmaster.stop();
  }

  private watch(postmaster: Postmaster): void {
    void postmaster.exited.then((status) => {
      if (this.current.state !== 'running' || postmaster !== this.postmaster) return;
      if (Date.now() - this.upSince >= this.policy.stableMs) this.attemptsUsed = 0;
      this.lastFailure = `it stopped unexpectedly (${describeExit(status)}) ${Math.round((Date.now() - this.upSince) / 1000)} s after starting`;
      this.log.error(
        { pid: postmaster.pid, exit: describeExit(status), data_dir: this.spec.clusterDir, attempts_left: this.policy.maxAttempts - this.attemptsUsed },
        `the embedded database stopped unexpectedly (${describeExit(status)}); restarting it. PostgreSQL replays its write-ahead log, so committed data is kept. API calls answer 503 until it is back`,
      );
      this.scheduleAttempt(0);
    });
  }

  private scheduleAttempt(delayMs: number): void {
    if (this.attemptsUsed >= this.policy.maxAttempts) return this.giveUp();
    const attempt = ++this.attemptsUsed;
    const since = this.current.state === 'restarting' ? this.current.since : new Date();
    this.current = { state: 'restarting', attempt, of: this.policy.maxAttempts, since };
    this.timer = setTimeout(() => {
      this.starting = this.attempt(attempt);
    }, delayMs);
  }

  private async attempt(attempt: number): Promise<void> {
    if (this.current.state !== 'restarting') return;
    const started = Date.now();
    try {
      await clearCluster(this.spec.clusterDir, this.log);
      if (this.current.state !== 'restarting') return; // stopped meanwhile
      const postmaster = (this.pending = Postmaster.spawn(this.spec));
      await postmaster.ready.finally(() => (this.pending = undefined));
      if (this.current.state !== 'restarting') {
        await postmaster.stop(); // stopped just as it became ready
        return;
      }
      const outageMs = Date.now() - this.current.since.getTime();
      this.postmaster = postmaster;
      this.upSince = Date.now();
      this.current = { state: 'running' };
      this.watch(postmaster);
      this.log.info({ attempt, start_ms: Date.now() - started, outage_ms: outageMs }, 'the embedded database is running again (crash recovery done)');
      for (const handler of this.restartedHandlers) handler();
    } catch (err) {
      if (this.current.state !== 'restarting') return;
      this.lastFailure = err instanceof PostmasterStartError ? `${err.message}:\n${lastLines(err.output)}` : (err as Error).message;
      const delay = Math.min(this.policy.maxDelayMs, this.policy.firstDelayMs * 2 ** (attempt - 1));
      this.log.warn(
        { attempt, of: this.policy.maxAttempts, retry_in_ms: attempt < this.policy.maxAttempts ? delay : undefined, reason: this.lastFailure },
        'restarting the embedded database failed',
      );
      this.scheduleAttempt(delay);
    }
  }

  private giveUp(): void {
    const reason =
      `the embedded database could not be restarted after ${this.policy.maxAttempts} attempts; last failure: ${this.lastFailure.replace(/\.$/, '')}. ` +
      `Check the data directory ${this.spec.clusterDir} (free disk space, permissions, damaged files) and PostgreSQL's messages above, ` +
      'then start the service again.';
    this.current = { state: 'failed', reason };
    this.log.fatal({ data_dir: this.spec.clusterDir }, reason);
    this.resolveFailed(new Error(reason));
  }
}

/** The last few lines Postgres wrote: they name the problem (FATAL: …, PANIC: …). */
function lastLines(output: string, n = 6): string {
  return output.trim().split('\n').slice(-n).join('\n');
}
