import type { Logger } from 'pino';
import type { ConnectionEvents } from './driver';
import { isDatabaseUnavailable, primaryCode } from './errors';

/** Lost connections are logged at most once per this many ms: a restart breaks every pooled connection at once. */
const LOST_LOG_INTERVAL_MS = 10_000;

/**
 * Whether the service can reach its database, as its pool's connections see it: a connect that fails because
 * the server is unreachable starts an outage, the next connect that succeeds ends it. Each outage is logged
 * once when it starts and once when it ends (with its length), instead of once per failed query; whoever needs
 * to catch up after an outage (the notification listener, the workers) registers with `onRecovered`.
 */
export class DatabaseHealth implements ConnectionEvents {
  private outage?: { since: number; code?: string; failedConnects: number };
  private lostLoggedAt = 0;
  private lostSinceLog = 0;
  private otherFailureLoggedAt = 0;
  private readonly recovered: Array<() => void> = [];

  constructor(private readonly log: Logger) {}

  /** False from a failed connect until the next successful one. */
  get reachable(): boolean {
    return this.outage === undefined;
  }

  /** The code of the failure that started the current outage (`ECONNREFUSED`, `57P03`, …). */
  get outageCode(): string | undefined {
    return this.outage?.code;
  }

  /** Runs `handler` whenever an outage ends. */
  onRecovered(handler: () => void): this {
    this.recovered.push(handler);
    return this;
  }

  connected(): void {
    const outage = this.outage;
    if (!outage) return;
    this.outage = undefined;
    this.log.info(
      { outage_ms: Date.now() - outage.since, failed_connects: outage.failedConnects },
      'the database is reachable again: API calls and workers resume',
    );
    for (const handler of this.recovered) handler();
  }

  connectFailed(err: unknown): void {
    const code = primaryCode(err);
    if (!isDatabaseUnavailable(err)) {
      // Not an outage (wrong password, missing database): a configuration problem that retrying cannot fix.
      const now = Date.now();
      if (now - this.otherFailureLoggedAt >= LOST_LOG_INTERVAL_MS) {
        this.otherFailureLoggedAt = now;
        this.log.error({ code, error: (err as Error)?.message }, 'connecting to the database failed; check DATABASE_URL and the database server');
      }
      return;
    }
    if (this.outage) {
      this.outage.failedConnects++;
      return;
    }
    this.outage = { since: Date.now(), code, failedConnects: 1 };
    this.log.warn({ code }, 'the database is unreachable: API calls answer 503 with Retry-After and workers pause until it is back');
  }

  connectionLost(err: unknown): void {
    const now = Date.now();
    this.lostSinceLog++;
    if (now - this.lostLoggedAt < LOST_LOG_INTERVAL_MS) return;
    this.log.warn(
      { code: primaryCode(err), connections_lost: this.lostSinceLog },
      'database connections were closed by the server or the network; new ones are opened as needed',
    );
    this.lostLoggedAt = now;
    this.lostSinceLog = 0;
  }
}
