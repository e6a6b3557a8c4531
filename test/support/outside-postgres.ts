import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../api/db/embedded';

/**
 * A PostgreSQL the test stops and starts under a running service, as a managed database outside the service
 * (DATABASE_URL) would go away and come back. The cluster comes back on a new port, so the service reaches it
 * through a fixed local TCP relay that follows it; the relay only forwards bytes, and every connection through
 * it is cut when the cluster stops.
 */
export class OutsidePostgres {
  private readonly dataDir = mkdtempSync(join(tmpdir(), 'cf-outside-pg-'));
  private pg?: EmbeddedPostgres;
  private relay?: Server;
  private readonly relayed = new Set<Socket>();
  private upstreamPort = 0;
  private silent = false;

  /** Starts the cluster and the relay (the service migrates the database when it starts). */
  async start(): Promise<this> {
    await this.up();
    this.relay = createServer((down) => {
      if (this.silent) {
        // Accept and say nothing: a server behind a network that drops packets.
        this.relayed.add(down);
        down.on('error', () => down.destroy()).on('close', () => this.relayed.delete(down));
        return;
      }
      const up = connect(this.upstreamPort, '127.0.0.1');
      this.relayed.add(down).add(up);
      const drop = () => {
        down.destroy();
        up.destroy();
        this.relayed.delete(down);
        this.relayed.delete(up);
      };
      down.on('error', drop).on('close', drop);
      up.on('error', drop).on('close', drop);
      down.pipe(up).pipe(down);
    });
    await new Promise<void>((r) => this.relay!.listen(0, '127.0.0.1', () => r()));
    return this;
  }

  /** The connection string for the service: through the relay, so it stays the same across restarts. */
  get url(): string {
    const url = new URL(this.pg!.url);
    url.port = String((this.relay!.address() as { port: number }).port);
    return url.toString();
  }

  /** A direct connection string for the test's own checks. */
  get directUrl(): string {
    return this.pg!.url;
  }

  /** Stops the cluster (fast shutdown: open transactions roll back, connections are closed). */
  async down(): Promise<void> {
    await this.pg?.stop();
    this.pg = undefined;
  }

  /**
   * From now on the database never answers: connections through the relay are cut, and new ones are accepted
   * and then left hanging. `speak()` ends it.
   */
  goSilent(): void {
    this.silent = true;
    for (const s of this.relayed) s.destroy();
  }

  speak(): void {
    this.silent = false;
    for (const s of this.relayed) s.destroy();
  }

  /** Starts the cluster again on the same data. */
  async up(): Promise<void> {
    this.pg = await startEmbeddedPostgres(this.dataDir, pino({ level: 'silent' }));
    this.upstreamPort = Number(new URL(this.pg.url).port);
  }

  async stop(): Promise<void> {
    for (const s of this.relayed) s.destroy();
    if (this.relay) await new Promise((r) => this.relay!.close(r));
    await this.down();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
