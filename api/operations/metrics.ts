import type { Request, RequestHandler, Response } from 'express';
import type { Pool } from 'pg';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** What `route` says for a request that matched no declared route (404s, probes of random paths). */
export const UNMATCHED_ROUTE = 'unmatched';

/** Set by a handler mounted outside the route declarations (static files) to name its route in metrics. */
export const ROUTE_TEMPLATE_LOCAL = 'routeTemplate';

/**
 * RED metrics of the HTTP API and the authorization decisions it makes. `route` is the declared path template
 * (`/v1/webhook-integrations/{id}`), never the path itself, so series stay bounded by the route table whatever
 * callers send: about 40 routes × their one or two methods × the statuses each can answer.
 */
export class ApiMetrics {
  private readonly requests: Counter<'route' | 'method' | 'status'>;
  private readonly seconds: Histogram<'route' | 'method'>;
  private readonly decisions: Counter<'action' | 'result'>;

  constructor(registry: Registry) {
    this.requests = new Counter({
      name: 'cf_http_requests_total',
      help: 'HTTP requests answered, by route template, method and status (499: the client went away first).',
      labelNames: ['route', 'method', 'status'],
      registers: [registry],
    });
    this.seconds = new Histogram({
      name: 'cf_http_request_duration_seconds',
      help: 'Time from receiving a request to the end of its response, by route template and method.',
      labelNames: ['route', 'method'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
    this.decisions = new Counter({
      name: 'cf_authorization_decisions_total',
      help: 'Authorization decisions made by the API, by CF::RPC::Action id and result (allow, deny).',
      labelNames: ['action', 'result'],
      registers: [registry],
    });
  }

  /** Express middleware, mounted before every route: counts and times each request when its response ends. */
  readonly middleware: RequestHandler = (req, res, next) => {
    const started = process.hrtime.bigint();
    let done = false;
    const record = (status: string) => {
      if (done) return;
      done = true;
      const route = routeOf(req, res);
      const method = req.method;
      this.requests.inc({ route, method, status });
      this.seconds.observe({ route, method }, Number(process.hrtime.bigint() - started) / 1e9);
    };
    res.once('finish', () => record(String(res.statusCode)));
    res.once('close', () => record('499'));
    next();
  };

  /** Counts one decision (Authorizer's observer). */
  decided(actionId: string, allowed: boolean): void {
    this.decisions.inc({ action: actionId, result: allowed ? 'allow' : 'deny' });
  }
}

/** The declared template of the route that answered: Express keeps the matched route on the request. */
function routeOf(req: Request, res: Response): string {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof path === 'string') return path.replace(/:([A-Za-z_]+)/g, '{$1}');
  const local = res.locals[ROUTE_TEMPLATE_LOCAL];
  return typeof local === 'string' ? local : UNMATCHED_ROUTE;
}

/** The statuses an integration can be in, as the gauges label them. */
const STATUSES = ['HEALTHY', 'UNHEALTHY', 'DISABLED', 'PAUSED'] as const;

/**
 * Integration health, read from the database at scrape time (so every replica reports the same):
 *
 * - `cf_webhook_integrations{status}`: how many integrations are in each status — four series, always.
 * - `cf_webhook_integration_status{integration_id, status}`: 1 for each integration that is not HEALTHY, for
 *   alerts that name the integration. Its cardinality stays bounded because healthy integrations, the normal
 *   state, have no series at all; an integration has at most one series at a time (its status is a label, and
 *   the old series goes stale when it changes); and at most `limit` (default 500) are exported, longest-standing
 *   first by id. `cf_webhook_integration_status_omitted` says how many were left out, so a truncated view is
 *   never mistaken for a complete one.
 */
export function registerIntegrationHealth(registry: Registry, pool: Pool, limit = 500): void {
  let snapshot: Promise<{ counts: Record<string, number>; unhealthy: Array<{ id: string; status: string }> }> | undefined;
  const read = () =>
    (snapshot ??= Promise.all([
      pool.query<{ status: string; n: number }>('SELECT status, count(*)::int AS n FROM webhook_integrations GROUP BY status'),
      pool.query<{ id: string; status: string }>(`SELECT id, status FROM webhook_integrations WHERE status <> 'HEALTHY' ORDER BY id LIMIT $1`, [limit]),
    ])
      .then(([counts, unhealthy]) => ({ counts: Object.fromEntries(counts.rows.map((r) => [r.status, r.n])), unhealthy: unhealthy.rows }))
      .finally(() => setTimeout(() => (snapshot = undefined), 100).unref()));
  new Gauge({
    name: 'cf_webhook_integrations',
    help: 'Webhook integrations by status: HEALTHY, UNHEALTHY, DISABLED (410 Gone), PAUSED (by an operator).',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const { counts } = await read();
      for (const status of STATUSES) this.set({ status }, counts[status] ?? 0);
    },
  });
  new Gauge({
    name: 'cf_webhook_integration_status_omitted',
    help: `Integrations not HEALTHY that cf_webhook_integration_status leaves out (it exports at most ${limit}).`,
    registers: [registry],
    async collect() {
      const { counts } = await read();
      const notHealthy = STATUSES.filter((s) => s !== 'HEALTHY').reduce((n, s) => n + (counts[s] ?? 0), 0);
      this.set(Math.max(0, notHealthy - limit));
    },
  });
  new Gauge({
    name: 'cf_webhook_integration_status',
    help: `1 for each integration that is not HEALTHY, labelled with its id and status (at most ${limit}; healthy ones have no series).`,
    labelNames: ['integration_id', 'status'],
    registers: [registry],
    async collect() {
      const { unhealthy } = await read();
      this.reset();
      for (const r of unhealthy.slice(0, limit)) this.set({ integration_id: r.id, status: r.status }, 1);
    },
  });
}
