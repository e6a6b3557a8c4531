import { createServer } from 'node:net';
import { Client } from 'pg';
import { createTestDatabase } from '../../test/support/database';
import { connectDatabase, type Database } from './client';
import { errorCodes, isDatabaseUnavailable, isRecordNotFound, PG_ERROR, sqlState } from './errors';

/**
 * Classification by code, on errors produced for real: the shared test cluster, a port nobody listens on, a
 * server that accepts and never answers, backends terminated from another session.
 */
describe('database errors, classified by code', () => {
  let url: string;
  let db: Database;
  let admin: Client;

  beforeAll(async () => {
    url = await createTestDatabase();
    db = connectDatabase(url, 3, { connectTimeoutMs: 500 });
    admin = new Client({ connectionString: url });
    await admin.connect();
  });
  afterAll(async () => {
    await admin.end();
    await db.close();
  });

  /** A loopback URL whose port refuses connections (listened on once, then closed). */
  async function refusedUrl(): Promise<string> {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const { port: p } = s.address() as { port: number };
        s.close(() => resolve(p));
      });
    });
    const u = new URL(url);
    u.port = String(port);
    return u.toString();
  }

  const failure = (p: Promise<unknown>) => p.then(() => undefined, (err: unknown) => err);

  test('a refused connection is unavailable, through pg and through Prisma', async () => {
    const down = connectDatabase(await refusedUrl(), 2);
    try {
      const viaPg = await failure(down.pool.query('SELECT 1'));
      expect(errorCodes(viaPg)).toContain('ECONNREFUSED');
      expect(isDatabaseUnavailable(viaPg)).toBe(true);
      const viaPrisma = await failure(down.prisma.webhookIntegration.findMany());
      expect(isDatabaseUnavailable(viaPrisma)).toBe(true);
      const viaRaw = await failure(down.prisma.$queryRaw`SELECT 1`);
      expect(isDatabaseUnavailable(viaRaw)).toBe(true);
      expect(down.health.reachable).toBe(false);
    } finally {
      await down.close();
    }
  });

  test('a server that never answers: the connect times out as 08001', async () => {
    const silent = createServer(() => undefined); // accepts, says nothing
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const u = new URL(url);
    u.port = String((silent.address() as { port: number }).port);
    const hanging = connectDatabase(u.toString(), 2, { connectTimeoutMs: 300 });
    try {
      const err = await failure(hanging.pool.query('SELECT 1'));
      expect(errorCodes(err)).toContain(PG_ERROR.unableToConnect);
      expect(isDatabaseUnavailable(err)).toBe(true);
    } finally {
      await hanging.close();
      silent.close();
    }
  });

  test('a terminated backend (57P01) and the broken connection after it (08006) are unavailable', async () => {
    const client = await db.pool.connect(); // no 'error' listener of ours: the pool's client must cope
    try {
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      const running = failure(client.query('SELECT pg_sleep(30)'));
      await admin.query('SELECT pg_terminate_backend($1)', [rows[0].pid]);
      const terminated = await running;
      expect(sqlState(terminated)).toBe(PG_ERROR.adminShutdown);
      expect(isDatabaseUnavailable(terminated)).toBe(true);
      // pg reports the next query on that client without any code of its own.
      const next = await failure(client.query('SELECT 1'));
      expect(sqlState(next)).toBe(PG_ERROR.connectionFailure);
      expect(isDatabaseUnavailable(next)).toBe(true);
    } finally {
      client.release(true);
    }
  });

  test('a Prisma transaction whose connection is terminated is unavailable', async () => {
    const err = await failure(
      db.prisma.$transaction(async (tx) => {
        const [{ pid }] = await tx.$queryRaw<Array<{ pid: number }>>`SELECT pg_backend_pid() AS pid`;
        await admin.query('SELECT pg_terminate_backend($1)', [pid]);
        await tx.$queryRaw`SELECT 1`;
      }),
    );
    expect(isDatabaseUnavailable(err)).toBe(true);
  });

  test('ordinary failures are not outages', async () => {
    await db.pool.query('CREATE TABLE uniq (id int PRIMARY KEY)');
    await db.pool.query('INSERT INTO uniq VALUES (1)');
    const duplicate = await failure(db.pool.query('INSERT INTO uniq VALUES (1)'));
    expect(sqlState(duplicate)).toBe(PG_ERROR.uniqueViolation);
    expect(isDatabaseUnavailable(duplicate)).toBe(false);
    const syntax = await failure(db.pool.query('SELEC 1'));
    expect(isDatabaseUnavailable(syntax)).toBe(false);
    const missing = await failure(db.prisma.webhookIntegration.update({ where: { id: 'whk_none' }, data: { name: 'x' } }));
    expect(isRecordNotFound(missing)).toBe(true);
    expect(isDatabaseUnavailable(missing)).toBe(false);
    expect(isDatabaseUnavailable(new TypeError('undefined is not a function'))).toBe(false);
    expect(isDatabaseUnavailable(undefined)).toBe(false);
  });
});
