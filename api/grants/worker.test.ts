import pino from 'pino';
import { OutsidePostgres } from '../../test/support/outside-postgres';
import { waitUntil } from '../../test/delivery/harness';
import { connectDatabase, type Database } from '../db/client';
import { migrate } from '../db/migrate';
import { databaseProvisioner } from './provisioner';
import { GrantWorker } from './worker';

/** The grant worker over a database that goes away: it backs off, says so once, and resumes when woken. */
describe('grant worker during a database outage', () => {
  let pg: OutsidePostgres;
  let db: Database;
  let worker: GrantWorker;
  const lines: Array<{ level: number; msg: string; retry_in_ms?: number; failed_passes?: number }> = [];
  const log = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s)) });

  beforeAll(async () => {
    pg = await new OutsidePostgres().start();
    // Migrated over a pool with the default connect timeout: on a loaded machine the first connections to a
    // fresh server can take longer than the short timeout the worker's pool uses to notice the outage.
    const setup = connectDatabase(pg.url, 1);
    await migrate(setup.pool, pino({ level: 'silent' }));
    await setup.close();
    db = connectDatabase(pg.url, 2, { connectTimeoutMs: 500 });
  });
  afterAll(async () => {
    await worker?.stop();
    await db.close();
    await pg.stop();
  });

  test('polls back off while the database is down, the outage is logged once, and a wake-up resumes at once', async () => {
    worker = new GrantWorker(db.pool, databaseProvisioner, log, 20, 160);
    worker.start();
    await pg.down();
    const outage = () => lines.filter((l) => l.msg.startsWith('grant worker paused') || l.msg.startsWith('grant worker: the database is still'));
    await waitUntil(async () => outage().length >= 6, 30_000, 'six failed passes');
    // Each failed pass doubles the wait before the next poll, up to the most (160 ms): not a pass every 20 ms.
    expect(outage().slice(0, 6).map((l) => l.retry_in_ms)).toEqual([20, 40, 80, 160, 160, 160]);
    expect(lines.filter((l) => l.level === 40)).toEqual([expect.objectContaining({ msg: 'grant worker paused: the database is unavailable; retrying with backoff' })]);

    await pg.up();
    worker.wake(); // what the service does when the database is reachable again
    await waitUntil(async () => lines.some((l) => l.msg === 'grant worker resumed: the database is available again'), 30_000, 'resumed');
    expect(lines.find((l) => l.msg.startsWith('grant worker resumed'))!.failed_passes).toBeGreaterThanOrEqual(6);
  });
});
