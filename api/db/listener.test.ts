import pino from 'pino';
import { Client } from 'pg';
import { OutsidePostgres } from '../../test/support/outside-postgres';
import { waitUntil } from '../../test/delivery/harness';
import { Listener } from './listener';

/** The LISTEN connection across a database restart: it reconnects, LISTENs again, and says so. */
describe('notification listener across a restart', () => {
  let pg: OutsidePostgres;
  let listener: Listener;

  beforeAll(async () => {
    pg = await new OutsidePostgres().start();
  });
  afterAll(async () => {
    await listener?.close();
    await pg.stop();
  });

  async function notify(channel: string, payload: string): Promise<void> {
    const c = new Client({ connectionString: pg.directUrl });
    await c.connect();
    try {
      await c.query('SELECT pg_notify($1, $2)', [channel, payload]);
    } finally {
      await c.end();
    }
  }

  test('after the database comes back, notifications on every channel arrive again', async () => {
    const got: string[] = [];
    let reconnects = 0;
    listener = new Listener(pg.url, pino({ level: 'silent' }), 1000)
      .on('alpha', (p) => got.push(`alpha:${p}`))
      .on('beta', (p) => got.push(`beta:${p}`))
      .onReconnect(() => reconnects++);
    await listener.start();
    await notify('alpha', 'before');
    await waitUntil(async () => got.includes('alpha:before'), 10_000, 'the first notification');

    await pg.down();
    await pg.up();
    listener.reconnectNow(); // as the service does once it knows the database is back
    await waitUntil(async () => reconnects === 1, 20_000, 'the reconnect');
    await notify('alpha', 'after');
    await notify('beta', 'after');
    await waitUntil(async () => got.includes('alpha:after') && got.includes('beta:after'), 10_000, 'notifications after the restart');
  });
});
