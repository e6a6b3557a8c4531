import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '@prisma/client';
import type { Pool } from 'pg';
import pino, { type Logger } from 'pino';
import { OutageAwarePool, outageAwareClient } from './driver';
import { DatabaseHealth } from './health';

/** One pg pool shared by Prisma (CRUD) and raw SQL on hot paths (authentication, evaluation batches). */
export interface Database {
  pool: Pool;
  prisma: PrismaClient;
  /** Whether the database is reachable, as the pool's connections last saw it. */
  health: DatabaseHealth;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /**
   * How long a query waits for a connection (a free one, or a new one being set up), in ms; after it the query
   * fails as "database unavailable" instead of hanging on an unreachable server. Default 5000.
   */
  connectTimeoutMs?: number;
  /** Where outages and lost connections are logged. Default: nowhere. */
  log?: Logger;
}

export function connectDatabase(url: string, poolSize: number, options: DatabaseOptions = {}): Database {
  const health = new DatabaseHealth(options.log ?? pino({ level: 'silent' }));
  const pool = new OutageAwarePool({
    connectionString: url,
    max: poolSize,
    application_name: 'commonfate',
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    Client: outageAwareClient(health),
  });
  // An idle client that loses its server (Postgres restarted) emits 'error' on the pool, which would crash the
  // process unheard; the client has already reported it to `health`, and the pool replaces it on next use.
  pool.on('error', () => undefined);
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  let closed: Promise<void> | undefined;
  return {
    pool,
    prisma,
    health,
    close() {
      closed ??= prisma.$disconnect().then(() => pool.end());
      return closed;
    },
  };
}
