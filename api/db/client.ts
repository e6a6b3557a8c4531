import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '@prisma/client';
import { Pool } from 'pg';

/** One pg pool shared by Prisma (CRUD) and raw SQL on hot paths (authentication, evaluation batches). */
export interface Database {
  pool: Pool;
  prisma: PrismaClient;
  close(): Promise<void>;
}

export function connectDatabase(url: string, poolSize: number): Database {
  const pool = new Pool({ connectionString: url, max: poolSize, application_name: 'commonfate' });
  // An idle client that loses its server (Postgres restarted) emits 'error'; the pool replaces it on next use.
  pool.on('error', () => undefined);
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  let closed: Promise<void> | undefined;
  return {
    pool,
    prisma,
    close() {
      closed ??= prisma.$disconnect().then(() => pool.end());
      return closed;
    },
  };
}

/** Postgres SQLSTATE codes the API reacts to (by code, never by message text). */
export const PG_ERROR = {
  uniqueViolation: '23505',
  serializationFailure: '40001',
  deadlockDetected: '40P01',
} as const;
