import { Pool } from 'pg';
import pino from 'pino';
import { claimDeliveries, type Completion } from '../../api/delivery/queue';
import { ResultBuffer } from '../../api/delivery/results';
import { newId } from '../../api/ids';
import { createTestDatabase } from '../support/database';
import { waitUntil } from './harness';

/**
 * A delivery deleted (its integration removed) while the worker writes its result: the batch's statement fails
 * its foreign-key check once, and the buffer writes the batch again at once, without the vanished row and
 * without a warning, so the other results of the batch are not held back by a backoff.
 */
describe('results of a delivery deleted mid-write', () => {
  let pool: Pool;
  beforeAll(async () => {
    pool = new Pool({ connectionString: await createTestDatabase(), max: 4 });
  });
  afterAll(() => pool.end());

  test('the rest of the batch is recorded at once, and no warning is logged', async () => {
    const iid = newId('webhookIntegration');
    await pool.query(
      `INSERT INTO webhook_integrations (id, name, url, send_audit_log_events, signing_secret) VALUES ($1, 'race', 'https://race.example.test/hook', true, 'whsec_x')`,
      [iid],
    );
    const event = newId('event');
    await pool.query(`INSERT INTO audit_events (id, action, payload, occurred_at) VALUES ($1, 'grant.requested', '{"id":"x"}', now())`, [event]);
    const [gone, kept] = [`dlv_${iid.slice(4, 25)}000001`, `dlv_${iid.slice(4, 25)}000002`];
    await pool.query(
      `INSERT INTO deliveries (id, integration_id, event_kind, event_id, next_attempt_at) SELECT id, $2, 'AUDIT', $3, now() FROM unnest($1::text[]) id`,
      [[gone, kept], iid, event],
    );
    const workerId = 'worker_race';
    const [claimed] = await claimDeliveries(pool, { workerId, limit: 10, newcomer: 10, known: new Map(), leaseMs: 60_000 });
    expect(claimed.deliveries.map((d) => d.id).sort()).toEqual([gone, kept]);

    const lines: Array<{ level: number; msg: string; err?: { code?: string } }> = [];
    const log = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
    const results = new ResultBuffer({ pool, workerId, log, writeAt: 2 });

    // Another connection deletes one of the two rows and holds its lock until the write is waiting on it.
    const deleter = await pool.connect();
    await deleter.query('BEGIN');
    await deleter.query('DELETE FROM deliveries WHERE id = $1', [gone]);
    const completion = (deliveryId: string): Completion => ({
      deliveryId,
      integrationId: iid,
      status: 'SUCCEEDED',
      retryInSeconds: null,
      attemptId: newId('attempt'),
      attemptedAt: new Date(),
      statusCode: 204,
      durationMs: 3,
      responseExcerpt: null,
      error: null,
      health: 'ok',
      healthError: null,
    });
    results.add(completion(gone));
    results.add(completion(kept));
    await waitUntil(
      async () => (await pool.query(`SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%delivery_attempts%'`)).rowCount === 1,
      10_000,
      'the result statement waits for the deleted row',
    );
    await deleter.query('COMMIT');
    deleter.release();

    await waitUntil(
      async () => (await pool.query(`SELECT 1 FROM deliveries WHERE id = $1 AND status = 'SUCCEEDED'`, [kept])).rowCount === 1,
      10_000,
      'the kept delivery recorded',
    );
    const failed = lines.filter((l) => l.msg === 'recording delivery results failed; retrying');
    expect(failed.map((l) => [l.level, l.err?.code])).toEqual([[20, '23503']]);
    expect(lines.filter((l) => l.level >= 40)).toEqual([]);
    const { rows } = await pool.query<{ delivery_id: string }>('SELECT delivery_id FROM delivery_attempts');
    expect(rows).toEqual([{ delivery_id: kept }]);
    await results.drain();
  });
});
