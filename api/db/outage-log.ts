import type { Logger } from 'pino';
import { isDatabaseUnavailable, primaryCode } from './errors';

/**
 * How a background loop (claims, result writes) reports failed database calls: while the database is away
 * every retry fails, so the first failure of an outage is a warning, the rest are debug lines, and the end
 * of the outage is one info line. Other failures (a statement that failed for its own reasons) are warnings
 * each time: they are not expected to repeat.
 */
export class OutageLog {
  private failures = 0;
  private inOutage = false;

  /** `what` names the work in the messages, e.g. "claiming deliveries". */
  constructor(
    private readonly log: Logger,
    private readonly what: string,
  ) {}

  /** Failures since the last success. */
  get consecutiveFailures(): number {
    return this.failures;
  }

  failed(err: unknown, fields: Record<string, unknown> = {}): void {
    this.failures++;
    const entry = { ...fields, err: { message: (err as Error).message, code: primaryCode(err) } };
    if (!isDatabaseUnavailable(err)) {
      this.log.warn(entry, `${this.what} failed; retrying`);
    } else if (!this.inOutage) {
      this.inOutage = true;
      this.log.warn(entry, `${this.what}: the database is unavailable; retrying with backoff`);
    } else {
      this.log.debug(entry, `${this.what}: the database is still unavailable`);
    }
  }

  succeeded(): void {
    if (this.inOutage) this.log.info({ failed_tries: this.failures }, `${this.what}: the database is available again`);
    this.failures = 0;
    this.inOutage = false;
  }
}
