import { z } from 'zod';
import { publicRoute, type Route } from '../http/route';

const HealthSchema = z
  .object({ status: z.enum(['ok', 'failing']), detail: z.string().optional().meta({ description: 'Why it is failing, for people.' }) })
  .meta({ id: 'Health' });
const ReadinessSchema = z
  .object({ status: z.enum(['ready', 'not_ready']), detail: z.string().meta({ description: 'Why, for people.' }) })
  .meta({ id: 'Readiness' });

export interface OperationsDeps {
  /** Whether the database is reachable and fully migrated. */
  ready: () => Promise<{ ok: boolean; detail: string }>;
  /** Whether the process can still do its job, if only after a database outage ends. Default: yes. */
  live?: () => { ok: boolean; detail?: string };
  /** Prometheus text exposition of the service's metrics. */
  metrics: () => Promise<{ contentType: string; text: string }>;
}

/** `/healthz`, `/readyz` and `/metrics`: for load balancers, orchestrators and Prometheus; no credentials. */
export function operationsRoutes(deps: OperationsDeps): Route[] {
  return [
    publicRoute({
      method: 'GET',
      path: '/healthz',
      operationId: 'getHealth',
      summary: 'Liveness',
      description: 'Answers 200 while the process runs and can recover by itself (a database outage included); 503 once it has given up and is about to exit.',
      tag: 'Operations',
      action: null,
      responses: {
        200: { description: 'The process is running.', schema: HealthSchema },
        503: { description: 'The process has given up (the embedded database could not be brought back) and is exiting.', schema: HealthSchema },
      },
      handler: async () => {
        const state = deps.live?.() ?? { ok: true };
        return state.ok ? { status: 200, body: { status: 'ok' } } : { status: 503, body: { status: 'failing', detail: state.detail } };
      },
    }),
    publicRoute({
      method: 'GET',
      path: '/readyz',
      operationId: 'getReadiness',
      summary: 'Readiness',
      description: 'Ready when the database is reachable and every migration is applied.',
      tag: 'Operations',
      action: null,
      responses: {
        200: { description: 'Ready to serve.', schema: ReadinessSchema },
        503: { description: 'Not ready: the database is unreachable or migrations are pending.', schema: ReadinessSchema },
      },
      handler: async () => {
        const state = await deps.ready();
        return { status: state.ok ? 200 : 503, body: { status: state.ok ? 'ready' : 'not_ready', detail: state.detail } };
      },
    }),
    publicRoute({
      method: 'GET',
      path: '/metrics',
      operationId: 'getMetrics',
      summary: 'Prometheus metrics',
      tag: 'Operations',
      action: null,
      responses: { 200: { description: 'Metrics in the Prometheus text format.', contentType: 'text/plain; version=0.0.4' } },
      handler: async () => {
        const m = await deps.metrics();
        return { status: 200, text: m.text, contentType: m.contentType };
      },
    }),
  ];
}
