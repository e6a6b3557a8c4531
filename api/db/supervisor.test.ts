import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { connectDatabase, type Database } from './client';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded';
import { isDatabaseUnavailable } from './errors';
import { serverProcesses } from './postmaster';

/** A real embedded cluster of this file's own, killed with SIGKILL the way an OOM killer or a crash would. */
describe('the supervised embedded database', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cf-supervisor-'));
  const clusterDir = join(dataDir, 'pg');
  const lines: Array<Record<string, unknown>> = [];
  const log = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  let pg: EmbeddedPostgres;
  let db: Database;
  const postmasterPid = () => Number(readFileSync(join(clusterDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const restarted = () => new Promise<void>((resolve) => pg.onRestarted(resolve));
  beforeAll(async () => {
    // stableMs 0: each kill below is an outage of its own, with all its attempts.
    pg = await startEmbeddedPostgres(dataDir, log, { restart: { maxAttempts: 3, firstDelayMs: 200, stableMs: 0 } });
    db = connectDatabase(pg.url, 4);
    await db.pool.query('CREATE TABLE kept (id int PRIMARY KEY)');
  });
  afterAll(async () => {
    await db.close();
    await pg.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('kill -9 with a backend still busy: restarted on the same port, committed rows kept, leftovers cleared', async () => {
    await db.pool.query('INSERT INTO kept SELECT generate_series(1, 100)');
    const urlBefore = pg.url;
    // A backend in a long computation does not notice its postmaster dying and keeps the shared memory: the
    // new server refuses to start until it is gone.
    const busy = await db.pool.connect();
    const { rows } = await busy.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const query = busy.query('SELECT count(*) FROM generate_series(1, 1e11)').then(
      () => undefined,
      (err: unknown) => err,
    );
    const back = restarted();
    process.kill(postmasterPid(), 'SIGKILL');

    const failure = await query;
    busy.release(true);
    expect(isDatabaseUnavailable(failure)).toBe(true);
    await back;
    expect(pg.state).toEqual({ state: 'running' });
    expect(pg.url).toBe(urlBefore);
    expect(serverProcesses(clusterDir)).not.toContain(rows[0].pid);
    expect((await db.pool.query('SELECT count(*)::int AS n FROM kept')).rows[0].n).toBe(100);
    expect(lines.map((l) => l.msg)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^the embedded database stopped unexpectedly \(killed by SIGKILL\); restarting it/),
        'stopping processes left behind by the embedded database that stopped',
        'the embedded database is running again (crash recovery done)',
      ]),
    );
  });

  test('a data directory that cannot be started: gives up after the attempts, with the reason', async () => {
    lines.length = 0;
    const version = join(clusterDir, 'PG_VERSION');
    const original = readFileSync(version, 'utf8');
    writeFileSync(version, '9\n'); // what PostgreSQL 18 finds in a cluster it cannot read
    try {
      process.kill(postmasterPid(), 'SIGKILL');
      const reason = await pg.failed;
      expect(pg.state).toMatchObject({ state: 'failed' });
      expect(reason.message).toMatch(/could not be restarted after 3 attempts/);
      expect(reason.message).toMatch(/database files are incompatible with server/);
      expect(reason.message).toContain(clusterDir);
      expect(lines.filter((l) => l.msg === 'restarting the embedded database failed')).toHaveLength(3);
      expect(lines.at(-1)).toMatchObject({ level: 60, msg: reason.message });
      expect(isDatabaseUnavailable(await db.pool.query('SELECT 1').catch((e: unknown) => e))).toBe(true);
    } finally {
      writeFileSync(version, original);
    }
  });
});

describe('a supervised embedded database that keeps crashing', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cf-supervisor-loop-'));
  let pg: EmbeddedPostgres;
  afterAll(async () => {
    await pg?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('runs out of attempts when it dies again soon after each restart', async () => {
    pg = await startEmbeddedPostgres(dataDir, pino({ level: 'silent' }), { restart: { maxAttempts: 2, firstDelayMs: 100 } });
    const kill = () => process.kill(Number(readFileSync(join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]), 'SIGKILL');
    for (let i = 0; i < 2; i++) {
      const back = new Promise<void>((resolve) => pg.onRestarted(resolve));
      kill();
      await back; // each restart works, but the server was up for less than stableMs (60 s)
    }
    kill();
    expect((await pg.failed).message).toMatch(/could not be restarted after 2 attempts/);
    expect(pg.state).toMatchObject({ state: 'failed' });
  });
});

describe('stopping the service while the embedded database is being restarted', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cf-supervisor-stop-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  test('stop() cancels the restarts and leaves nothing running', async () => {
    // A long delay between attempts, and a first attempt that fails: the supervisor is waiting to try again.
    const pg = await startEmbeddedPostgres(dataDir, pino({ level: 'silent' }), { restart: { maxAttempts: 5, firstDelayMs: 60_000 } });
    const version = join(dataDir, 'pg', 'PG_VERSION');
    const original = readFileSync(version, 'utf8');
    writeFileSync(version, '9\n');
    process.kill(Number(readFileSync(join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]), 'SIGKILL');
    await new Promise<void>((resolve) => {
      const check = () => (pg.state.state === 'restarting' && pg.state.attempt === 2 ? resolve() : setTimeout(check, 20));
      check();
    });
    writeFileSync(version, original); // the next attempt would succeed, if there were one
    await pg.stop();
    expect(pg.state).toEqual({ state: 'stopped' });
    const settled = await Promise.race([pg.failed.then(() => 'failed'), new Promise((r) => setTimeout(() => r('pending'), 200))]);
    expect(settled).toBe('pending');
    expect(serverProcesses(join(dataDir, 'pg'))).toEqual([]);
  });
});
