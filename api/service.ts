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
import { primaryCode } from './db/errors';
import { Listener } from './db/listener';
import { listMigrations, migrate, pendingMigrations } from './db/migrate';
import { createApp, createOperationsApp } from './http/app';
import { DELIVERIES_CHANNEL } from './delivery/fanout';
import { PAUSED_CHANNEL } from './delivery-control/store';
import { ServiceMetrics } from './delivery/metrics';
import { OutboundClient } from './delivery/outbound';
import type { Resolver } from './delivery/dns';
import { SsrfPolicy } from './delivery/ssrf';
import { DeliveryWorker } from './delivery/worker';
import { databaseProvisioner, type Provisioner } from './grants/provisioner';
import { GrantWorker } from './grants/worker';
import { GRANTS_CHANNEL } from './grants/workflow';
import { ApiMetrics, registerIntegrationHealth } from './operations/metrics';
import { Sweeper } from './retention/sweeper';
import { resolveKeyring } from './secrets/keys';
import type { Keyring } from './secrets/keyring';
import { resealAll } from './secrets/reseal';
import { checkStoredKeys, SEALED_TABLES } from './secrets/tables';
import { shutdown, type ShutdownStep } from './shutdown';
import { IntegrationSecrets } from './webhook-integrations/secrets';

export const VERSION = '0.1.0';

export interface RunningService {
  /**
   * Base URL of the HTTP listener, e.g. http://127.0.0.1:8080: the API (and /healthz, /readyz, /metrics), or with
   * CF_ROLE=worker those three alone.
   */
  url: string;
  databaseUrl: string;
  db: Database;
  /** The retention sweeper of this process (tests and benchmarks sweep on demand with `sweepOnce`). */
  retention: Sweeper;
  /**
   * Resolves with the reason if the service can no longer work: the embedded database stopped and could not be
   * restarted. The caller should stop the service and exit non-zero. Pending otherwise (always, with DATABASE_URL).
   */
  failed: Promise<Error>;
  /** The keys the service seals and opens secrets with. */
  keyring: Keyring;
  /**
   * Resolves once every secret stored before encryption existed is sealed (values re-sealed, per table); it runs
   * in the background after start. Rejects only if the service stops first.
   */
  sealed: Promise<Record<string, number>>;
  /**
   * Graceful stop: stop accepting, finish in-flight requests, flush evaluations, close the pool, stop the database.
   * Rejects, naming the step still running, if it takes longer than CF_SHUTDOWN_TIMEOUT_MS (the embedded database
   * is stopped all the same).
   */
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
  // Fails fast on a bad CF_WEBHOOK_ALLOWED_NETWORKS entry, or on missing encryption keys, before anything starts.
  const ssrfPolicy = new SsrfPolicy(config.CF_WEBHOOK_ALLOWED_NETWORKS);
  const keyring = resolveKeyring(config, log);
  let embedded: EmbeddedPostgres | undefined;
  let databaseUrl = config.DATABASE_URL;
  if (!databaseUrl) {
    embedded = await startEmbeddedPostgres(config.CF_DATA_DIR, log, { restart: { maxAttempts: config.CF_DB_RESTART_ATTEMPTS } });
    databaseUrl = embedded.url;
    log.info({ data_dir: config.CF_DATA_DIR }, 'embedded PostgreSQL 18 started');
  }
  const db = connectDatabase(databaseUrl, config.CF_DB_POOL_SIZE, {
    connectTimeoutMs: config.CF_DB_CONNECT_TIMEOUT_MS,
    log: log.child({ part: 'database' }),
  });
  // Run in order at stop; parts started later are put in front, so they stop first.
  const cleanup: ShutdownStep[] = [
    { name: 'closing the database pool', run: () => db.close() },
    { name: 'stopping the embedded database', run: async () => embedded?.stop() },
  ];
  const runCleanup = () => shutdown(cleanup, config.CF_SHUTDOWN_TIMEOUT_MS, log, () => embedded?.stop());

  try {
    await migrate(db.pool, log);
    await checkStoredKeys(db.pool, keyring);
    const sealing = new AbortController();
    const sealed = sealPlaintext(db, keyring, log.child({ part: 'secrets' }), sealing.signal);
    cleanup.unshift({ name: 'stopping the sealing of plain-text secrets', run: () => (sealing.abort(), sealed.then(() => undefined, () => undefined)) });
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
      tokenPolicy: {
        audiences: config.CF_OIDC_AUDIENCE,
        clientIds: config.CF_OIDC_CLIENT_IDS,
        roleClaim: config.CF_OIDC_ROLE_CLAIM,
        adminScopes: config.CF_OIDC_ADMIN_SCOPES,
      },
      introspection: config.CF_OIDC_INTROSPECTION_URL
        ? {
            url: new URL(config.CF_OIDC_INTROSPECTION_URL),
            clientId: config.CF_OIDC_INTROSPECTION_CLIENT_ID!,
            clientSecret: config.CF_OIDC_INTROSPECTION_CLIENT_SECRET!,
            cacheSeconds: config.CF_OIDC_INTROSPECTION_CACHE_SECONDS,
          }
        : undefined,
      log: log.child({ part: 'auth' }),
    });
    const metrics = new ServiceMetrics(db.pool);
    const apiMetrics = new ApiMetrics(metrics.registry);
    registerIntegrationHealth(metrics.registry, db.pool);
    // Every process sweeps in turn (one at a time across processes); partitions for the ids about to be made
    // must exist before anything is stored.
    const sweeper = new Sweeper({
      pool: db.pool,
      log: log.child({ part: 'retention' }),
      registry: metrics.registry,
      settings: {
        auditEventsMs: config.CF_RETENTION_AUDIT_EVENTS,
        evaluationsMs: config.CF_RETENTION_AUTHORIZATION_EVALUATIONS,
        deliveriesMs: config.CF_RETENTION_DELIVERIES,
        sweepIntervalMs: config.CF_RETENTION_SWEEP_INTERVAL,
      },
    });
    await sweeper.ensurePartitions();
    sweeper.start();
    cleanup.unshift({ name: 'stopping the retention sweeper (its current batch finishes)', run: () => sweeper.stop() });
    const outbound = new OutboundClient({
      policy: ssrfPolicy,
      timeoutMs: config.CF_WEBHOOK_TIMEOUT_MS,
      connectTimeoutMs: config.CF_WEBHOOK_CONNECT_TIMEOUT_MS,
      dnsTimeoutMs: config.CF_WEBHOOK_DNS_TIMEOUT_MS,
      connectionsPerDestination: config.CF_WEBHOOK_CONCURRENCY_PER_DESTINATION,
      resolver: parts.resolver,
    });
    cleanup.unshift({ name: 'closing outbound connections', run: () => outbound.close() });

    const listener = new Listener(databaseUrl, log.child({ part: 'listener' }), config.CF_DB_CONNECT_TIMEOUT_MS);
    listener.on('api_keys_changed', () => authenticator.invalidate()).onReconnect(() => authenticator.invalidate());
    // Once the database is back (the pool connects again, or the embedded one restarted), LISTEN again at once
    // instead of after the listener's backoff; workers are woken by its reconnect, and here in case it never broke.
    db.health.onRecovered(() => listener.reconnectNow());
    embedded?.onRestarted(() => listener.reconnectNow());

    if (config.CF_ROLE !== 'api') {
      const deliveryWorker = new DeliveryWorker({
        pool: db.pool,
        outbound,
        secrets: new IntegrationSecrets(keyring),
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
      // A missed pause notification costs at most the deliveries this worker already held (the claim skips PAUSED).
      listener.on(PAUSED_CHANNEL, (id) => deliveryWorker.integrationPaused(id));
      listener.on(GRANTS_CHANNEL, () => grantWorker.wake()).onReconnect(() => grantWorker.wake());
      db.health.onRecovered(() => {
        deliveryWorker.wake();
        grantWorker.wake();
      });
      deliveryWorker.start();
      grantWorker.start();
      cleanup.unshift(
        { name: 'stopping the grant worker', run: () => grantWorker.stop() },
        { name: 'stopping the delivery worker (in-flight attempts finish)', run: () => deliveryWorker.stop() },
      );
      log.info({ worker: deliveryWorker.id, role: config.CF_ROLE }, 'delivery worker started');
    }
    await listener.start();
    cleanup.unshift({ name: 'closing the notification listener', run: () => listener.close() });

    const migrationNames = listMigrations().map((m) => m.name);
    const ready = async () => {
      const supervised = embedded?.state;
      if (supervised?.state === 'restarting') {
        return { ok: false, detail: `the embedded database is restarting (attempt ${supervised.attempt} of ${supervised.of})` };
      }
      if (supervised?.state === 'failed') return { ok: false, detail: 'the embedded database could not be restarted' };
      try {
        const pending = await withTimeout(pendingMigrations(db.pool), config.CF_DB_CONNECT_TIMEOUT_MS + 1000);
        return pending.length === 0
          ? { ok: true, detail: `database reachable, ${migrationNames.length} migrations applied` }
          : { ok: false, detail: `pending migrations: ${pending.join(', ')}` };
      } catch (err) {
        return { ok: false, detail: `database unreachable (${primaryCode(err) ?? 'no answer'})` };
      }
    };
    // Alive while the database may still come back; not once the embedded one could not be restarted.
    const live = () => (embedded?.state.state === 'failed' ? { ok: false, detail: 'the embedded database could not be restarted; the service is stopping' } : { ok: true });

    let url: string;
    if (config.CF_ROLE === 'worker') {
      // No API here, but the process is probed and scraped like any replica (its own delivery metrics).
      const server = await listen(createOperationsApp({ log, pool: db.pool, ready, live, metrics, requestMetrics: apiMetrics.middleware }), config);
      url = server.url;
      cleanup.unshift({ name: 'closing the operations listener', run: () => closeServer(server.server) });
      log.info({ url, role: config.CF_ROLE }, 'operations listener (/healthz, /readyz, /metrics) listening');
    } else {
      const recorder = new EvaluationRecorder(db.pool, log.child({ part: 'evaluations' }));
      const app = createApp({
        log,
        pool: db.pool,
        security: { authenticator, authorizer: new Authorizer(undefined, (action, allowed) => apiMetrics.decided(action, allowed)), recorder },
        urlPolicy: { allowHttp: config.CF_WEBHOOK_ALLOW_HTTP },
        version: VERSION,
        metrics,
        outbound,
        keyring,
        ready,
        live,
        requestMetrics: apiMetrics.middleware,
      });
      const server = await listen(app, config);
      url = server.url;
      cleanup.unshift(
        { name: 'finishing in-flight requests', run: () => closeServer(server.server) },
        { name: 'storing authorization evaluations', run: () => recorder.drain() },
      );
      log.info({ url, role: config.CF_ROLE }, 'API listening');
    }

    let stopping: Promise<void> | undefined;
    return {
      url,
      databaseUrl,
      db,
      keyring,
      sealed,
      retention: sweeper,
      failed: embedded?.failed ?? new Promise<Error>(() => undefined),
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

/**
 * Seals what was stored in plain text before encryption (secrets/reseal.ts), in the background: reads accept both
 * forms meanwhile. Several instances starting together share the work (SKIP LOCKED). Retried every 30 s while the
 * database is unreachable; stops when `signal` aborts (the service stops).
 */
async function sealPlaintext(db: Database, keyring: Keyring, log: Logger, signal: AbortSignal): Promise<Record<string, number>> {
  for (;;) {
    try {
      const counts = await resealAll(db.pool, keyring, 'plaintext', SEALED_TABLES, { signal });
      const total = Object.values(counts).reduce((a, b) => a + b, 0);
      if (total > 0) log.info({ resealed: counts, key_id: keyring.primaryId }, 'sealed secrets stored in plain text before encryption');
      if (signal.aborted) throw new Error('the service stopped before the plain-text secrets were sealed');
      return counts;
    } catch (err) {
      if (signal.aborted) throw err;
      log.warn({ err: { message: (err as Error).message, code: (err as { code?: string }).code } }, 'sealing plain-text secrets failed; retrying in 30 s');
      await new Promise<void>((r) => {
        const timer = setTimeout(r, 30_000);
        signal.addEventListener('abort', () => (clearTimeout(timer), r()), { once: true });
      });
    }
  }
}

/** Serves `app` on PORT and HOST; the URL names a loopback address when HOST is a wildcard. */
async function listen(app: ReturnType<typeof createApp>, config: Config): Promise<{ server: Server; url: string }> {
  const server = createServer(app);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(config.PORT, config.HOST, () => resolveListen());
  });
  const { port } = server.address() as AddressInfo;
  const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? '127.0.0.1' : config.HOST;
  return { server, url: `http://${host}:${port}` };
}

/** Rejects if `work` has not settled within `ms`. */
function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('timed out')), ms)));
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/**
 * Stops accepting connections and resolves when in-flight requests have finished. Idle keep-alive connections
 * are closed now, and those of in-flight requests as soon as their response is sent (a client's keep-alive
 * would otherwise hold the stop for the server's keep-alive timeout).
 */
function closeServer(server: Server): Promise<void> {
  return new Promise((done) => {
    const sweep = setInterval(() => server.closeIdleConnections(), 100);
    server.close(() => {
      clearInterval(sweep);
      done();
    });
    server.closeIdleConnections();
  });
}
