import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { OutageLog } from '../db/outage-log';
import { completeDeliveries, type CircuitRecord, type Completion } from './queue';

const FOREIGN_KEY_VIOLATION = '23503';

export interface ResultBufferOptions {
  pool: Pool;
  workerId: string;
  log: Logger;
  /** Longest a result waits before it is written, ms. Default 5. */
  delayMs?: number;
  /** Results that trigger a write at once. Default 200. */
  writeAt?: number;
  /** Most results per statement. Default 1000. */
  maxBatch?: number;
}

/**
 * Attempt results waiting to be written, and the circuits that changed since the last write. Results are
 * written in batches (one statement each, see completeDeliveries), at most one statement at a time, so the
 * writes of one worker land in the order they happened. A failed write keeps its batch and is retried with
 * backoff; a result that can never be written is redelivered after its lease (at least once).
 */
export class ResultBuffer {
  private readonly delayMs: number;
  private readonly writeAt: number;
  private readonly maxBatch: number;
  private pending: Completion[] = [];
  /** The latest change per integration (an older one is superseded). */
  private circuits = new Map<string, CircuitRecord>();
  private writing?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private failures = 0;
  private stopped = false;
  private readonly outage: OutageLog;

  constructor(private readonly options: ResultBufferOptions) {
    this.outage = new OutageLog(options.log, 'recording delivery results');
    this.delayMs = options.delayMs ?? 5;
    this.writeAt = options.writeAt ?? 200;
    this.maxBatch = options.maxBatch ?? 1000;
  }

  add(result: Completion): void {
    this.pending.push(result);
    this.schedule();
  }

  /** Stores `change` with the next batch (the worker records a circuit change with the result that caused it). */
  addCircuit(change: CircuitRecord): void {
    this.circuits.set(change.integrationId, change);
    this.schedule();
  }

  get size(): number {
    return this.pending.length + this.circuits.size;
  }

  /** Writes what is pending: a few tries, then gives up (stopping: the leases take over). */
  async drain(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    for (let i = 0; i < 5 && (this.size > 0 || this.writing); i++) {
      await this.write().catch(() => new Promise((r) => setTimeout(r, 200)));
    }
  }

  private schedule(): void {
    if (this.pending.length >= this.writeAt) void this.write().catch(() => undefined);
    else if (!this.timer && !this.stopped) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.write().catch(() => undefined);
      }, this.delayMs);
    }
  }

  /** Writes one batch; on failure the batch is kept and retried with backoff. */
  private write(): Promise<void> {
    if (this.writing) return this.writing;
    if (this.size === 0) return Promise.resolve();
    const batch = this.pending.splice(0, this.maxBatch);
    const circuits = this.circuits;
    this.circuits = new Map();
    this.writing = completeDeliveries(this.options.pool, this.options.workerId, batch, [...circuits.values()])
      .then(() => {
        this.failures = 0;
        this.outage.succeeded();
      })
      .catch((err: Error & { code?: string }) => {
        this.pending.unshift(...batch);
        for (const [id, c] of circuits) if (!this.circuits.has(id)) this.circuits.set(id, c);
        this.failures++;
        // 23503: a delivery of the batch was deleted (its integration removed) while the statement ran. The
        // statement skips deliveries that no longer exist, so running it again succeeds: at once, and not a
        // warning. Anything else (the database away, a timeout) backs off.
        const vanished = err.code === FOREIGN_KEY_VIOLATION && this.failures <= 3;
        const retryIn = vanished ? 0 : Math.min(5000, 100 * 2 ** Math.min(this.failures, 6));
        if (vanished) this.options.log.debug({ err: { message: err.message, code: err.code }, count: batch.length, retry_in_ms: retryIn }, 'recording delivery results failed; retrying');
        else this.outage.failed(err, { count: batch.length, retry_in_ms: retryIn });
        if (!this.stopped) setTimeout(() => void this.write().catch(() => undefined), retryIn).unref();
        throw err;
      })
      .finally(() => {
        this.writing = undefined;
        if (this.size > 0 && this.failures === 0) void this.write().catch(() => undefined);
      });
    return this.writing;
  }
}
