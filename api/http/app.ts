import express, { type Express } from 'express';
import type { PrismaClient } from '@prisma/client';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { auditEventsRouter } from '../audit-events/router';
import { authorizationEvaluationsRouter } from '../authorization-evaluations/router';
import { deliveriesRouter } from '../delivery/router';
import type { ServiceMetrics } from '../delivery/metrics';
import type { OutboundClient } from '../delivery/outbound';
import { accessRequestsRouter, grantsRouter } from '../grants/router';
import { openApiRouter } from '../openapi/router';
import { buildOpenApiDocument } from '../openapi/document';
import { webhookIntegrationsRouter } from '../webhook-integrations/router';
import type { UrlPolicy } from '../../contract';
import type { Security } from './endpoint';
import { requestContext, requireJsonBody, unknownRoute } from './middleware';
import { errorHandler } from './problem';

export interface AppDeps {
  log: Logger;
  pool: Pool;
  prisma: PrismaClient;
  security: Security;
  urlPolicy: UrlPolicy;
  version: string;
  /** Prometheus registry served at /metrics. */
  metrics: ServiceMetrics;
  /** The SSRF-checked HTTP client (test events). */
  outbound: OutboundClient;
  /** Whether the database is reachable and fully migrated (for /readyz). */
  ready: () => Promise<{ ok: boolean; detail: string }>;
}

/** Builds the HTTP API. Everything it needs is passed in; nothing is read from globals. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false); // ETags are the resources' versions, set by the handlers.
  app.set('query parser', 'simple');
  app.use(requestContext(deps.log));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const state = await deps.ready();
    res.status(state.ok ? 200 : 503).json({ status: state.ok ? 'ready' : 'not_ready', detail: state.detail });
  });
  app.get('/metrics', async (_req, res, next) => {
    try {
      const text = await deps.metrics.registry.metrics();
      res.setHeader('Content-Type', deps.metrics.registry.contentType);
      res.send(text);
    } catch (err) {
      next(err);
    }
  });
  app.use(openApiRouter(buildOpenApiDocument(deps.urlPolicy, deps.version)));

  const api = express.Router();
  api.use(requireJsonBody);
  api.use(express.json({ limit: '1mb', type: ['application/json', 'application/*+json'], strict: false }));
  api.use('/webhook-integrations', webhookIntegrationsRouter({ prisma: deps.prisma, pool: deps.pool, security: deps.security, urlPolicy: deps.urlPolicy }));
  api.use('/webhook-integrations', deliveriesRouter({ pool: deps.pool, security: deps.security, outbound: deps.outbound }));
  api.use('/access-requests', accessRequestsRouter({ pool: deps.pool, security: deps.security }));
  api.use('/grants', grantsRouter({ pool: deps.pool, security: deps.security }));
  api.use('/audit-events', auditEventsRouter({ pool: deps.pool, security: deps.security }));
  api.use('/authorization-evaluations', authorizationEvaluationsRouter({ pool: deps.pool, security: deps.security }));
  app.use('/v1', api);

  app.use(unknownRoute);
  app.use(errorHandler);
  return app;
}
