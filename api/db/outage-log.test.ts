import pino from 'pino';
import { OutsidePostgres } from '../../test/support/outside-postgres';
import { connectDatabase, type Database } from './client';
import { OutageLog } from './outage-log';

/** Real driver errors from a database that goes away and comes back, fed to the log as a retry loop would. */
describe('OutageLog', () => {
  let pg: OutsidePostgres;
  let db: Database;
  const lines: Array<{ level: number; msg: string; failed_tries?: number; err?: { code?: string } }> = [];
  const log = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s)) });

  beforeAll(async () => {
    pg = await new OutsidePostgres().start();
    db = connectDatabase(pg.url, 2, { connectTimeoutMs: 2000 });
  });
  afterAll(async () => {
    await db.close();
    await pg.stop();
  });

  /** One try of the loop's work: succeeded or failed, as the loop reports it. */
  async function attempt(outage: OutageLog, sql = 'SELECT 1'): Promise<void> {
    try {
      await db.pool.query(sql);
      outage.succeeded();
    } catch (err) {
      outage.failed(err, { retry_in_ms: 100 });
    }
  }

  test('an outage is one warning, debug lines while it lasts, and one info line when it ends', async () => {
    const outage = new OutageLog(log, 'claiming deliveries');
    await attempt(outage);
    await pg.down();
    for (let i = 0; i < 4; i++) await attempt(outage);
    expect(outage.consecutiveFailures).toBe(4);
    await pg.up();
    await attempt(outage);
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [40, 'claiming deliveries: the database is unavailable; retrying with backoff'],
      [20, 'claiming deliveries: the database is still unavailable'],
      [20, 'claiming deliveries: the database is still unavailable'],
      [20, 'claiming deliveries: the database is still unavailable'],
      [30, 'claiming deliveries: the database is available again'],
    ]);
    expect(lines.at(-1)!.failed_tries).toBe(4);
    expect(outage.consecutiveFailures).toBe(0);
  });

  test('a statement that fails for its own reasons is a warning every time, and no outage', async () => {
    lines.length = 0;
    const outage = new OutageLog(log, 'recording delivery results');
    await attempt(outage, 'SELECT * FROM no_such_table');
    await attempt(outage, 'SELECT * FROM no_such_table');
    await attempt(outage);
    expect(lines.map((l) => [l.level, l.msg, l.err?.code])).toEqual([
      [40, 'recording delivery results failed; retrying', '42P01'],
      [40, 'recording delivery results failed; retrying', '42P01'],
    ]);
  });
});
