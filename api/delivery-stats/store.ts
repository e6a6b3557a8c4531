import type { Queryable } from '../queryable';
import { notFound } from '../errors';
import type { IntegrationStats, StatsSummary } from './schema';

/**
 * Aggregates of delivery attempts over a recent window, computed by the database so that a client never fetches
 * raw rows. The window is whole minutes ending with the current one, on the database's clock (the one the
 * workers' attempts are compared with).
 *
 * Attempts carry no integration id, so both queries start from the window's attempts of every integration
 * (`delivery_attempts_attempted_at_idx`) and reach their deliveries from there: the cost grows with the attempts
 * made in the window across all integrations, not with what the tables keep (bench/delivery-stats.ts; figures in
 * bench/README.md). An integration id on each attempt row would make one integration's query independent of the
 * others' traffic; the worker writes those rows (api/delivery/queue.ts).
 */

const WINDOW = `w AS (
  SELECT date_trunc('minute', now()) + interval '1 minute' - $1::int * interval '1 minute' AS w_start,
         date_trunc('minute', now()) + interval '1 minute' AS w_end
)`;

/** An attempt that delivered (`status_code` is only a column of delivery_attempts). */
const SUCCEEDED = 'status_code BETWEEN 200 AND 299';

interface BucketRow {
  w_start: Date;
  w_end: Date;
  /** null on the row of the whole window (the empty grouping set). */
  start: Date | null;
  deliveries: number;
  attempts: number;
  succeeded: number;
  failed_status: number;
  no_response: number;
  p50: number | null;
  p99: number | null;
}

const rate = (succeeded: number, attempts: number) => (attempts === 0 ? null : succeeded / attempts);

/** Per-minute outcomes and latency percentiles of one integration's attempts; 404 when it does not exist. */
export async function integrationStats(db: Queryable, integrationId: string, minutes: number): Promise<IntegrationStats> {
  const [series, pending] = await Promise.all([
    db.query<BucketRow>(
      // One pass over the window's attempts gives every minute and the whole window (GROUPING SETS), and the
      // window's bounds come along even when there is no attempt at all (the LEFT JOIN on w).
      `WITH ${WINDOW}, att AS (
         SELECT date_bin('1 minute', a.attempted_at, w.w_start) AS start, a.delivery_id, a.status_code, a.duration_ms
         FROM w, delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id
         WHERE a.attempted_at >= w.w_start AND a.attempted_at < w.w_end AND d.integration_id = $2
       ), agg AS (
         SELECT start, count(DISTINCT delivery_id)::int AS deliveries, count(*)::int AS attempts,
                count(*) FILTER (WHERE ${SUCCEEDED})::int AS succeeded,
                count(*) FILTER (WHERE status_code IS NOT NULL AND NOT (${SUCCEEDED}))::int AS failed_status,
                count(*) FILTER (WHERE status_code IS NULL)::int AS no_response,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms) AS p50,
                percentile_cont(0.99) WITHIN GROUP (ORDER BY duration_ms) AS p99
         FROM att GROUP BY GROUPING SETS ((start), ())
       )
       SELECT w.w_start, w.w_end, agg.* FROM w LEFT JOIN agg ON true ORDER BY agg.start NULLS FIRST`,
      [minutes, integrationId],
    ),
    db.query<{ pending: number }>(
      // The queue's partial index of PENDING rows: as cheap as the backlog is short.
      `SELECT (SELECT count(*) FROM deliveries WHERE integration_id = w.id AND status = 'PENDING')::int AS pending
       FROM webhook_integrations w WHERE w.id = $1`,
      [integrationId],
    ),
  ]);
  if (pending.rows.length === 0) throw notFound(`Webhook integration ${integrationId}`);
  const rows = series.rows;
  const { w_start, w_end } = rows[0];
  const whole = rows.find((r) => r.start === null && r.attempts !== null);
  const byMinute = new Map(rows.filter((r) => r.start !== null).map((r) => [r.start!.getTime(), r]));
  const buckets: IntegrationStats['buckets'] = [];
  for (let t = w_start.getTime(); t < w_end.getTime(); t += 60_000) {
    const r = byMinute.get(t);
    buckets.push({
      start: new Date(t).toISOString(),
      succeeded: r?.succeeded ?? 0,
      failed_status: r?.failed_status ?? 0,
      no_response: r?.no_response ?? 0,
      latency_p50_ms: r?.p50 ?? null,
      latency_p99_ms: r?.p99 ?? null,
    });
  }
  const attempts = whole?.attempts ?? 0;
  const succeeded = whole?.succeeded ?? 0;
  return {
    integration_id: integrationId,
    window_start: w_start.toISOString(),
    window_end: w_end.toISOString(),
    bucket_seconds: 60,
    totals: { deliveries: whole?.deliveries ?? 0, attempts, succeeded, success_rate: rate(succeeded, attempts), pending: pending.rows[0].pending },
    buckets,
  };
}

/**
 * Every integration's attempts in the window, one row each (those without attempts are left out). Each attempt's
 * integration is looked up by its delivery's primary key, a cost that grows with the window's attempts; as a join
 * the planner hashes the whole deliveries table instead, a cost that grows with everything retention keeps.
 */
export async function statsSummary(db: Queryable, minutes: number): Promise<StatsSummary> {
  const { rows } = await db.query<{
    w_start: Date;
    w_end: Date;
    items: Array<{ integration_id: string; deliveries: number; attempts: number; succeeded: number }>;
  }>(
    // MATERIALIZED: each attempt's lookup runs once (inlined, the planner ran it again for the grouping key).
    `WITH ${WINDOW}, att AS MATERIALIZED (
       SELECT (SELECT d.integration_id FROM deliveries d WHERE d.id = a.delivery_id) AS integration_id, a.delivery_id, a.status_code
       FROM w, delivery_attempts a
       WHERE a.attempted_at >= w.w_start AND a.attempted_at < w.w_end
     ), agg AS (
       SELECT integration_id, count(DISTINCT delivery_id)::int AS deliveries, count(*)::int AS attempts,
              count(*) FILTER (WHERE ${SUCCEEDED})::int AS succeeded
       FROM att WHERE integration_id IS NOT NULL
       GROUP BY integration_id
     )
     SELECT w.w_start, w.w_end,
            coalesce((SELECT json_agg(agg ORDER BY agg.integration_id) FROM agg), '[]'::json) AS items
     FROM w`,
    [minutes],
  );
  const { w_start, w_end, items } = rows[0];
  return {
    window_start: w_start.toISOString(),
    window_end: w_end.toISOString(),
    items: items.map((i) => ({ ...i, success_rate: rate(i.succeeded, i.attempts) })),
  };
}
