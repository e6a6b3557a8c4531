import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { Authenticator } from './auth/authenticate';
import { countActiveApiKeys, ensureBootstrapKey } from './auth/api-keys';
import { Authorizer } from './authz/authorizer';
import { EvaluationRecorder } from './authorization-evaluations/recorder';
import type { Config } from './config';
import { connectDatabase, type Database } from './db/client';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './db/embedded';
import { Listener } from './db/listener';
import { listMigrations, migrate, pendingMigrations } from './db/migrate';
import { createApp } from './http/app';
import { DELIVERIES_CHANNEL } from './delivery/fanout';
import { ServiceMetrics } from './delivery/metrics';
import { OutboundClient } from './delivery/outbound';
import type { Resolver } from './delivery/dns';
import { SsrfPolicy } from './delivery/ssrf';
import { DeliveryWorker } from './delivery/worker';
import { databaseProvisioner, type Provisioner } from './grants/provisioner';
import { GrantWorker } from './grants/worker';
import { GRANTS_CHANNEL } from './grants/workflow';

export const VERSION = '0.1.0';

export interface RunningService {
  /** Base URL of the HTTP API, e.g. http://127.0.0.1:8080 (undefined when CF_ROLE=worker). */
  url?: string;
  databaseUrl: string;
  db: Database;
  /** Graceful stop: stop accepting, finish in-flight requests, flush evaluations, close the pool, stop the database. */
  stop(): Promise<void>;
}

/** Parts a caller may replace (tests plug in a failing provisioner or a counting resolver). */
export interface ServiceParts {
  /** Puts grants in place in the target system. Default: the built-in one that records assignments. */
  provisioner?: Provisioner;
  /** Where delivery host names resolve (tests: a stand-in for DNS). Default: the system's (api/delivery/dns.ts). */
  resolver?: Resolver;
}

/** The composition root: reads nothing global, builds every part from `config` and wires them together. */
export async function startService(config: Config, log: Logger, parts: ServiceParts = {}): Promise<RunningService> {
  // Fails fast on a bad CF_WEBHOOK_ALLOWED_NETWORKS entry, before anything starts.
  const ssrfPolicy = new SsrfPolicy(config.CF_WEBHOOK_ALLOWED_NETWORKS);
  let embedded: EmbeddedPostgres | undefined;
  let databaseUrl = config.DATABASE_URL;
  if (!databaseUrl) {
    embedded = await startEmbeddedPostgres(config.CF_DATA_DIR, log);
    databaseUrl = embedded.url;
    log.info({ data_dir: config.CF_DATA_DIR }, 'embedded PostgreSQL 18 started');
  }
  const db = connectDatabase(databaseUrl, config.CF_DB_POOL_SIZE);
  const cleanup: Array<() => Promise<unknown>> = [() => db.close(), async () => embedded?.stop()];
  const runCleanup = async () => {
    for (const step of cleanup) await step().catch((err) => log.error({ err }, 'shutdown step failed'));
  };

  try {
    await migrate(db.pool, log);
    if (config.CF_BOOTSTRAP_API_KEY) {
      if (config.CF_BOOTSTRAP_API_KEY.length < 16) log.warn('CF_BOOTSTRAP_API_KEY is shorter than 16 characters: use a long random secret outside local development');
      const outcome = await ensureBootstrapKey(db.pool, config.CF_BOOTSTRAP_API_KEY);
      log.info({ outcome }, 'bootstrap API key ensured');
    } else if ((await countActiveApiKeys(db.pool)) === 0) {
      log.warn(
        'no API keys exist yet: create one with `npm run cli -- api-keys create --name admin --role admin`, or start with CF_BOOTSTRAP_API_KEY=<secret> and send "Authorization: Bearer <secret>"',
      );
    }

    const authenticator = new Authenticator({
      pool: db.pool,
      oidcIssuers: config.CF_OIDC_ISSUERS,
      oidcAudience: config.CF_OIDC_AUDIENCE,
    });
    const metrics = new ServiceMetrics(db.pool);
    const outbound = new OutboundClient({
      policy: ssrfPolicy,
      timeoutMs: config.CF_WEBHOOK_TIMEOUT_MS,
      connectTimeoutMs: config.CF_WEBHOOK_CONNECT_TIMEOUT_MS,
      dnsTimeoutMs: config.CF_WEBHOOK_DNS_TIMEOUT_MS,
      connectionsPerDestination: config.CF_WEBHOOK_CONCURRENCY_PER_DESTINATION,
      resolver: parts.resolver,
    });
    cleanup.unshift(() => outbound.close());

    const listener = new Listener(databaseUrl, log.child({ part: 'listener' }));
    listener.on('api_keys_changed', () => authenticator.invalidate()).onReconnect(() => authenticator.invalidate());

    if (config.CF_ROLE !== 'api') {
      const deliveryWorker = new DeliveryWorker({
        pool: db.pool,
        outbound,
        metrics,
        log: log.child({ part: 'delivery' }),
        retrySchedule: config.CF_WEBHOOK_RETRY_SCHEDULE,
        timeoutMs: config.CF_WEBHOOK_TIMEOUT_MS,
        concurrency: config.CF_WEBHOOK_CONCURRENCY,
        perDestination: config.CF_WEBHOOK_CONCURRENCY_PER_DESTINATION,
      });
      const grantWorker = new GrantWorker(db.pool, parts.provisioner ?? databaseProvisioner, log.child({ part: 'grants' }));
      // Anything notified while the connection was down is picked up by the wake-up on reconnect.
      listener.on(DELIVERIES_CHANNEL, () => deliveryWorker.wake()).onReconnect(() => deliveryWorker.wake());
      listener.on(GRANTS_CHANNEL, () => grantWorker.wake()).onReconnect(() => grantWorker.wake());
      deliveryWorker.start();
      grantWorker.start();
      cleanup.unshift(() => grantWorker.stop(), () => deliveryWorker.stop());
      log.info({ worker: deliveryWorker.id, role: config.CF_ROLE }, 'delivery worker started');
    }
    await listener.start();
    cleanup.unshift(() => listener.close());

    let url: string | undefined;
    if (config.CF_ROLE !== 'worker') {
      const recorder = new EvaluationRecorder(db.pool, log.child({ part: 'evaluations' }));
      const migrationNames = listMigrations().map((m) => m.name);
      const app = createApp({
        log,
        pool: db.pool,
        prisma: db.prisma,
        security: { authenticator, authorizer: new Authorizer(), recorder },
        urlPolicy: { allowHttp: config.CF_WEBHOOK_ALLOW_HTTP },
        version: VERSION,
        metrics,
        outbound,
        ready: async () => {
          try {
            const pending = await pendingMigrations(db.pool);
            return pending.length === 0
              ? { ok: true, detail: `database reachable, ${migrationNames.length} migrations applied` }
              : { ok: false, detail: `pending migrations: ${pending.join(', ')}` };
          } catch {
            return { ok: false, detail: 'database unreachable' };
          }
        },
      });
      const server = createServer(app);
      server.keepAliveTimeout = 65_000;
      await new Promise<void>((resolveListen, reject) => {
        server.once('error', reject);
        server.listen(config.PORT, config.HOST, () => resolveListen());
      });
      const { port } = server.address() as AddressInfo;
      const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? '127.0.0.1' : config.HOST;
      url = `http://${host}:${port}`;
      cleanup.unshift(() => closeServer(server), () => recorder.drain());
      log.info({ url, role: config.CF_ROLE }, 'API listening');
    }

    let stopping: Promise<void> | undefined;
    return {
      url,
      databaseUrl,
      db,
      stop() {
        stopping ??= runCleanup();
        return stopping;
      },
    };
  } catch (err) {
    await runCleanup();
    throw err;
  }
}

/** Stops accepting connections and resolves when in-flight requests have finished (idle keep-alives are closed). */
function closeServer(server: Server): Promise<void> {
  return new Promise((done) => {
    server.close(() => done());
    server.closeIdleConnections();
  });
}
