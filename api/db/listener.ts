import { Client } from 'pg';
import type { Logger } from 'pino';

/**
 * A dedicated connection for LISTEN. It reconnects (with backoff, up to 5 s) when Postgres restarts, and calls
 * `onReconnect` so consumers can catch up on anything notified while it was away.
 */
export class Listener {
  private client?: Client;
  private closed = false;
  private handlers = new Map<string, Array<(payload: string) => void>>();
  private reconnectHandlers: Array<() => void> = [];
  private delay = 100;

  constructor(private readonly url: string, private readonly log: Logger) {}

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

  private async connect(): Promise<void> {
    const client = new Client({ connectionString: this.url, application_name: 'commonfate-listener' });
    client.on('notification', (msg) => {
      for (const h of this.handlers.get(msg.channel) ?? []) h(msg.payload ?? '');
    });
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    await client.connect();
    for (const channel of this.handlers.keys()) await client.query(`LISTEN "${channel.replace(/"/g, '')}"`);
    this.client = client;
    this.delay = 100;
  }

  private lost(client: Client): void {
    if (this.client !== client || this.closed) return;
    this.client = undefined;
    this.log.warn('database notifications connection lost; reconnecting');
    const retry = () => {
      if (this.closed) return;
      this.connect().then(
        () => {
          this.log.info('database notifications connection restored');
          this.reconnectHandlers.forEach((h) => h());
        },
        () => {
          this.delay = Math.min(this.delay * 2, 5000);
          setTimeout(retry, this.delay).unref();
        },
      );
    };
    setTimeout(retry, this.delay).unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }
}
