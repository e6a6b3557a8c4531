import { Pool } from 'pg';
import { claimDeliveries, msUntilNextDue } from '../../api/delivery/queue';
import { newId } from '../../api/ids';
import { createTestDatabase } from '../support/database';

/**
 * The claim on a real database: fair across integrations (a backlog of old rows elsewhere never crowds out a
 * destination's new ones), within each integration's quota and stored circuit, oldest due first.
 */
describe('claiming deliveries', () => {
  let pool: Pool;
  beforeAll(async () => {
    pool = new Pool({ connectionString: await createTestDatabase(), max: 2 });
  });
  afterAll(() => pool.end());
  afterEach(() => pool.query('DELETE FROM webhook_integrations'));

  /** An integration with `due` due deliveries (created `ageSeconds` ago, oldest first by id). */
  async function integration(due: number, ageSeconds: number, circuit = `'CLOSED', NULL`): Promise<string> {
    const id = newId('webhookIntegration');
    await pool.query(
      `INSERT INTO webhook_integrations (id, name, url, send_audit_log_events, signing_secret, circuit_state, circuit_next_probe_at)
       VALUES ($1, 'claim', 'https://claim.example.test/hook', true, 'whsec_x', ${circuit})`,
      [id],
    );
    const event = newId('event');
    await pool.query(`INSERT INTO audit_events (id, action, payload, occurred_at) VALUES ($1, 'grant.requested', '{"id":"x"}', now())`, [event]);
    await pool.query(
      `INSERT INTO deliveries (id, integration_id, event_kind, event_id, next_attempt_at)
       SELECT $1 || lpad(i::text, 6, '0'), $2, 'AUDIT', $3, now() - ($4::int - i * 0.001) * interval '1 second' FROM generate_series(1, $5::int) i`,
      [`dlv_${id.slice(4, 25)}`, id, event, ageSeconds, due],
    );
    return id;
  }

  const claim = (limit: number, known = new Map<string, number>(), newcomer = 32) =>
    claimDeliveries(pool, { workerId: `w_${Math.random()}`, limit, newcomer, known, leaseMs: 30_000 });
  const counts = (claimed: Awaited<ReturnType<typeof claim>>) => Object.fromEntries(claimed.map((c) => [c.id, c.deliveries.length]));

  test("an old backlog elsewhere does not take a new destination's turn", async () => {
    const backlog = await Promise.all([integration(500, 3600), integration(500, 3600), integration(500, 3600)]);
    const fresh = await integration(4, 1);
    const got = counts(await claim(40));
    expect(got[fresh]).toBe(4);
    expect(backlog.map((id) => got[id])).toEqual([12, 12, 12]);
  });

  test('quotas: a known integration takes at most what the worker says, an unknown one the newcomer quota', async () => {
    const a = await integration(50, 60);
    const b = await integration(50, 60);
    const c = await integration(50, 60);
    const got = counts(await claim(100, new Map([[a, 3], [b, 0]]), 5));
    expect(got).toEqual({ [a]: 3, [c]: 5 });
  });

  test('each integration comes once, with what its deliveries need, and its rows oldest due first', async () => {
    const a = await integration(6, 60);
    const [got] = await claim(10);
    expect(got).toMatchObject({ id: a, version: 1, sealed: { url: 'https://claim.example.test/hook', headers: [], signingSecret: 'whsec_x', previousSecret: null } });
    expect(got.circuit).toEqual({ state: 'CLOSED', maxInFlight: null, consecutiveFailures: 0, changedAt: null, nextProbeAt: null });
    const ids = got.deliveries.map((d) => d.id);
    expect(ids).toEqual([...ids].sort());
    expect(got.deliveries[0].body).toBe('{"id":"x"}');
    // Claimed rows are leased: a second claim gets none of them.
    expect(await claim(10)).toEqual([]);
  });

  test('a stored OPEN circuit gives one probe once its time has come, and nothing before; DISABLED gives nothing', async () => {
    const waiting = await integration(10, 60, `'OPEN', now() + interval '1 minute'`);
    const due = await integration(10, 60, `'OPEN', now() - interval '1 second'`);
    const disabled = await integration(10, 60);
    await pool.query(`UPDATE webhook_integrations SET status = 'DISABLED' WHERE id = $1`, [disabled]);
    expect(counts(await claim(50))).toEqual({ [due]: 1 });
    // Nothing else is claimable now; the next thing to fall due is the waiting circuit's probe.
    const ms = await msUntilNextDue(pool);
    expect(ms).toBeGreaterThan(50_000);
    expect(ms).toBeLessThanOrEqual(60_000);
    void waiting;
  });
});
