import { Client } from 'pg';
import type { Logger } from 'pino';
import { primaryCode } from './errors';

/** Longest wait between reconnect attempts, ms. */
const MAX_DELAY_MS = 5000;

/**
 * A dedicated connection for LISTEN. When Postgres restarts or the connection breaks, it reconnects with
 * backoff (100 ms doubling, up to 5 s; `reconnectNow()` skips the wait, e.g. once the database is known to be
 * back), LISTENs again on every channel, and calls `onReconnect` so consumers can catch up on anything notified
 * while it was away.
 */
export class Listener {
  private client?: Client;
  private closed = false;
  private handlers = new Map<string, Array<(payload: string) => void>>();
  private reconnectHandlers: Array<() => void> = [];
  private delay = 100;
  private retryTimer?: NodeJS.Timeout;
  private connecting = false;

  constructor(
    private readonly url: string,
    private readonly log: Logger,
    /** How long one connect may take, ms. Default 5000. */
    private readonly connectTimeoutMs = 5000,
  ) {}

  on(channel: string, handler: (payload: string) => void): this {
    const list = this.handlers.get(channel) ?? [];
    list.push(handler);
    this.handlers.set(channel, list);
    return this;
  }

  onReconnect(handler: () => void): this {
    this.reconnectHandlers.push(handler);
    return this;
  }

  async start(): Promise<void> {
    await this.connect();
  }

  /** If the connection is down, try again now rather than after the backoff delay. */
  reconnectNow(): void {
    if (this.closed || this.client || this.connecting) return;
    clearTimeout(this.retryTimer);
    this.delay = 100;
    this.retry();
  }

  private async connect(): Promise<void> {
    const client = new Client({ connectionString: this.url, application_name: 'commonfate-listener', connectionTimeoutMillis: this.connectTimeoutMs });
    client.on('notification', (msg) => {
      for (const h of this.handlers.get(msg.channel) ?? []) h(msg.payload ?? '');
    });
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      for (const channel of this.handlers.keys()) await client.query(`LISTEN "${channel.replace(/"/g, '')}"`);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.delay = 100;
  }

  private lost(client: Client): void {
    if (this.client !== client || this.closed) return;
    this.client = undefined;
    this.log.warn('database notifications connection lost; reconnecting');
    this.retryTimer = setTimeout(() => this.retry(), this.delay).unref();
  }

  private retry(): void {
    if (this.closed || this.connecting) return;
    this.connecting = true;
    this.connect().then(
      () => {
        this.connecting = false;
        if (this.closed) return;
        this.log.info('database notifications connection restored');
        this.reconnectHandlers.forEach((h) => h());
      },
      (err: unknown) => {
        this.connecting = false;
        this.delay = Math.min(this.delay * 2, MAX_DELAY_MS);
        this.log.debug({ code: primaryCode(err), retry_in_ms: this.delay }, 'database notifications: reconnect failed');
        if (!this.closed) this.retryTimer = setTimeout(() => this.retry(), this.delay).unref();
      },
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }
}
