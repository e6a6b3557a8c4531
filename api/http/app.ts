import express, { type Express, type RequestHandler } from 'express';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { UrlPolicy } from '../../contract';
import { auditEventRoutes } from '../audit-events/router';
import { authorizationEvaluationRoutes } from '../authorization-evaluations/router';
import { callerRoutes } from '../caller/router';
import { DEFAULT_DASHBOARD_DIR, dashboardAssets, dashboardRoutes } from '../dashboard/router';
import { deliveryStatsRoutes } from '../delivery-stats/router';
import { deliveryRoutes } from '../delivery/router';
import { deliveryControlRoutes } from '../delivery-control/router';
import type { ServiceMetrics } from '../delivery/metrics';
import type { OutboundClient } from '../delivery/outbound';
import { grantRoutes } from '../grants/router';
import { buildOpenApiDocument } from '../openapi/document';
import { docsAssets, openApiRoutes } from '../openapi/router';
import { ROUTE_TEMPLATE_LOCAL } from '../operations/metrics';
import { operationsRoutes, type OperationsDeps } from '../operations/router';
import { proxySessionRoutes } from '../proxy-sessions/router';
import type { Keyring } from '../secrets/keyring';
import { webhookIntegrationRoutes } from '../webhook-integrations/router';
import { IntegrationSecrets } from '../webhook-integrations/secrets';
import type { Security } from './endpoint';
import { requestContext, unknownRoute } from './middleware';
import { mountRoutes } from './mount';
import { errorHandler } from './problem';
import type { Route } from './route';

export interface AppDeps {
  log: Logger;
  pool: Pool;
  security: Security;
  urlPolicy: UrlPolicy;
  version: string;
  /** Prometheus registry served at /metrics. */
  metrics: ServiceMetrics;
  /** The SSRF-checked HTTP client (test events). */
  outbound: OutboundClient;
  /** Seals and opens header values, signing secrets and stored idempotent responses. */
  keyring: Keyring;
  /** Whether the database is reachable and fully migrated (for /readyz). */
  ready: () => Promise<{ ok: boolean; detail: string }>;
  /** Whether the process can still do its job, if only after a database outage ends (for /healthz). Default: yes. */
  live?: () => { ok: boolean; detail?: string };
  /** The built dashboard served at /ui/. Default: `dist/ui`, where `npm run build:ui` writes it. */
  dashboardDir?: string;
  /** Counts and times every request (operations/metrics.ts); mounted before the routes. */
  requestMetrics?: RequestHandler;
}

/** Every route the API serves, declared by the domain it belongs to. The document is built from this list. */
export function apiRoutes(deps: AppDeps): Route[] {
  const integrationSecrets = new IntegrationSecrets(deps.keyring);
  // Filled below; the caller and document routes read it on use, once it is complete.
  const all: Route[] = [];
  const api: Route[] = [
    ...webhookIntegrationRoutes({ urlPolicy: deps.urlPolicy, integrationSecrets }),
    ...deliveryRoutes({ outbound: deps.outbound, integrationSecrets }),
    ...deliveryStatsRoutes(),
    ...deliveryControlRoutes({ integrationSecrets }),
    ...grantRoutes(),
    ...proxySessionRoutes(),
    ...auditEventRoutes(),
    ...authorizationEvaluationRoutes(),
    ...callerRoutes({ permits: (principal, action) => deps.security.authorizer.permits(principal, action), routes: () => all }),
  ];
  all.push(...operationsRoutes(operationsDeps(deps)), ...dashboardRoutes(deps.dashboardDir ?? DEFAULT_DASHBOARD_DIR), ...api);
  all.push(...openApiRoutes(() => buildOpenApiDocument(all, deps.version)));
  return all;
}

/** Builds the HTTP API. Everything it needs is passed in; nothing is read from globals. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false); // ETags are the resources' versions, set by the handlers.
  app.set('query parser', 'simple');
  app.use(requestContext(deps.log));
  if (deps.requestMetrics) app.use(deps.requestMetrics);
  mountRoutes(app, apiRoutes(deps), { security: deps.security, pool: deps.pool, keyring: deps.keyring });
  app.use('/docs/assets', (_req, res, next) => ((res.locals[ROUTE_TEMPLATE_LOCAL] = '/docs/assets/*'), next()), docsAssets);
  app.use('/ui/assets', (_req, res, next) => ((res.locals[ROUTE_TEMPLATE_LOCAL] = '/ui/assets/*'), next()), dashboardAssets(deps.dashboardDir ?? DEFAULT_DASHBOARD_DIR));
  app.use(unknownRoute);
  app.use(errorHandler);
  return app;
}

function operationsDeps(deps: Pick<AppDeps, 'ready' | 'live' | 'metrics'>): OperationsDeps {
  return {
    ready: deps.ready,
    live: deps.live,
    metrics: async () => ({ contentType: deps.metrics.registry.contentType, text: await deps.metrics.registry.metrics() }),
  };
}

/**
 * The HTTP face of a process without the API (CF_ROLE=worker): /healthz, /readyz and /metrics only, so every
 * replica can be probed and scraped. Every other path is 404.
 */
export function createOperationsApp(deps: Pick<AppDeps, 'log' | 'pool' | 'ready' | 'live' | 'metrics' | 'requestMetrics'>): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(requestContext(deps.log));
  if (deps.requestMetrics) app.use(deps.requestMetrics);
  // Public routes only: nothing here authenticates or is idempotent, so no security and no keyring are wired
  // (a route that needed them would fail).
  mountRoutes(app, operationsRoutes(operationsDeps(deps)), { security: undefined as never, pool: deps.pool, keyring: undefined as never });
  app.use(unknownRoute);
  app.use(errorHandler);
  return app;
}
