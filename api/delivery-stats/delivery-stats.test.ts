import { newId } from '../ids';
import { serviceForFile, validIntegration } from '../../test/support/http';

/** Statistics over rows written straight into the real database, at chosen times, with known answers. */
const ctx = serviceForFile();

async function integration(name: string): Promise<string> {
  const res = await ctx.http.agent
    .post('/v1/webhook-integrations')
    .set(ctx.http.auth())
    .send(validIntegration({ name, send_audit_log_events: false }));
  expect(res.status).toBe(201);
  return res.body.id;
}

/** A delivery with one attempt per entry of `attempts`, made `secondsAgo` before now on the database clock. */
async function delivery(integrationId: string, status: string, attempts: Array<{ secondsAgo: number; code: number | null; ms: number }>) {
  const id = newId('delivery');
  await ctx.service.db.pool.query(
    `INSERT INTO deliveries (id, integration_id, event_kind, event_id, status, attempts) VALUES ($1, $2, 'AUDIT', $3, $4::"DeliveryStatus", $5)`,
    [id, integrationId, newId('event'), status, attempts.length],
  );
  for (const a of attempts) {
    await ctx.service.db.pool.query(
      `INSERT INTO delivery_attempts (id, delivery_id, attempted_at, status_code, duration_ms, error)
       VALUES ($1, $2, now() - $3::int * interval '1 second', $4, $5, $6)`,
      [newId('attempt'), id, a.secondsAgo, a.code, a.ms, a.code === null ? 'connect ECONNREFUSED' : null],
    );
  }
  return id;
}

const minuteOf = (iso: string) => Math.floor(Date.parse(iso) / 60_000);

test('per minute: outcomes split three ways, p50 and p99 of the durations, every minute present, totals and backlog', async () => {
  const id = await integration('Stats');
  const other = await integration('Other');
  // Three minutes ago (well inside the window): 2xx, 500 and no response; 100 durations 1..100 ms at 2xx.
  const hundred = Array.from({ length: 100 }, (_, i) => ({ secondsAgo: 150, code: 200, ms: i + 1 }));
  await delivery(id, 'SUCCEEDED', hundred);
  await delivery(id, 'PENDING', [{ secondsAgo: 150, code: 500, ms: 300 }, { secondsAgo: 150, code: null, ms: 5000 }]);
  await delivery(id, 'FAILED', [{ secondsAgo: 2 * 3600, code: 503, ms: 10 }]); // before the window
  await delivery(other, 'SUCCEEDED', [{ secondsAgo: 150, code: 204, ms: 7 }]); // another integration

  const res = await ctx.http.agent.get(`/v1/webhook-integrations/${id}/delivery-stats`).set(ctx.http.auth(ctx.service.readOnlyApiKey));
  expect(res.status).toBe(200);
  const body = res.body;
  expect(body.bucket_seconds).toBe(60);
  expect(body.buckets).toHaveLength(60);
  expect(Date.parse(body.window_end) - Date.parse(body.window_start)).toBe(60 * 60_000);
  expect(body.buckets[0].start).toBe(body.window_start);
  const busy = body.buckets.filter((b: { succeeded: number; failed_status: number; no_response: number }) => b.succeeded + b.failed_status + b.no_response > 0);
  expect(busy).toHaveLength(1);
  expect(busy[0]).toMatchObject({ succeeded: 100, failed_status: 1, no_response: 1 });
  // The database's percentile_cont over 102 durations: 1..100, 300 and 5000.
  expect(busy[0].latency_p50_ms).toBeCloseTo(51.5, 5);
  // Continuous: rank 0.99 × 101 = 99.99 lies between the 100th (100 ms) and 101st (300 ms) values.
  expect(busy[0].latency_p99_ms).toBeCloseTo(100 + 0.99 * 200, 5);
  expect(minuteOf(body.window_end) - minuteOf(busy[0].start)).toBeGreaterThanOrEqual(3);
  const quiet = body.buckets.find((b: { succeeded: number }) => b.succeeded === 0);
  expect(quiet).toMatchObject({ failed_status: 0, no_response: 0, latency_p50_ms: null, latency_p99_ms: null });
  expect(body.totals).toEqual({ deliveries: 2, attempts: 102, succeeded: 100, success_rate: 100 / 102, pending: 1 });

  // A wider window reaches the older attempt.
  const day = await ctx.http.agent.get(`/v1/webhook-integrations/${id}/delivery-stats?minutes=180`).set(ctx.http.auth());
  expect(day.body.buckets).toHaveLength(180);
  expect(day.body.totals).toMatchObject({ deliveries: 3, attempts: 103, succeeded: 100 });

  const summary = await ctx.http.agent.get('/v1/delivery-stats').set(ctx.http.auth());
  expect(summary.status).toBe(200);
  expect(summary.body.window_start).toBe(body.window_start);
  expect(summary.body.items).toEqual(
    expect.arrayContaining([
      { integration_id: id, deliveries: 2, attempts: 102, succeeded: 100, success_rate: 100 / 102 },
      { integration_id: other, deliveries: 1, attempts: 1, succeeded: 1, success_rate: 1 },
    ]),
  );
});

test('an integration without attempts has empty minutes and a null success rate; bad windows and unknown ids are refused', async () => {
  const id = await integration('Quiet');
  const res = await ctx.http.agent.get(`/v1/webhook-integrations/${id}/delivery-stats?minutes=5`).set(ctx.http.auth());
  expect(res.status).toBe(200);
  expect(res.body.buckets).toHaveLength(5);
  expect(res.body.totals).toEqual({ deliveries: 0, attempts: 0, succeeded: 0, success_rate: null, pending: 0 });

  const bad = await ctx.http.agent.get(`/v1/webhook-integrations/${id}/delivery-stats?minutes=0`).set(ctx.http.auth());
  expect(bad.status).toBe(400);
  expect(bad.body.errors).toEqual([{ path: 'minutes', message: 'must be an integer from 1 to 1440' }]);

  const missing = await ctx.http.agent.get(`/v1/webhook-integrations/${newId('webhookIntegration')}/delivery-stats`).set(ctx.http.auth());
  expect(missing.status).toBe(404);
  expect((await ctx.http.agent.get('/v1/delivery-stats')).status).toBe(401);
});
