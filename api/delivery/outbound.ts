import { buildConnector, Pool } from 'undici';
import { DnsLookupError, HostResolver, systemResolver, type Resolver } from './dns';
import { parseRetryAfter } from './retry-policy';
import { resolveVetted, type SsrfPolicy } from './ssrf';

/**
 * The one HTTP client for user-supplied URLs. It enforces, on every request: the SSRF policy on the address
 * actually dialled (resolution happens inside the connector, and the socket is opened to the vetted address, so
 * DNS rebinding cannot swap it), bounded name resolution (dns.ts), a connect timeout, a per-attempt timeout, a
 * bounded response capture, and no redirects (undici's request never follows them).
 *
 * Connections are pooled per destination (an integration), not per origin: integrations that share an origin
 * never wait for each other's connections, and since the worker starts at most `connectionsPerDestination`
 * attempts per integration, an attempt never queues for a connection — its recorded duration is its own.
 */
export interface OutboundOptions {
  policy: SsrfPolicy;
  /** Whole-attempt timeout (name resolution, connect, headers and body), ms (CF_WEBHOOK_TIMEOUT_MS). */
  timeoutMs: number;
  /** TCP connect and TLS handshake, after name resolution, ms (CF_WEBHOOK_CONNECT_TIMEOUT_MS). Default 5000. */
  connectTimeoutMs?: number;
  /** Name resolution, ms (CF_WEBHOOK_DNS_TIMEOUT_MS). Default 2000. */
  dnsTimeoutMs?: number;
  /** Open connections per destination (CF_WEBHOOK_CONCURRENCY_PER_DESTINATION). */
  connectionsPerDestination: number;
  /** Bytes of the response body kept for the attempt record. Default 4096. */
  maxExcerptBytes?: number;
  /** Where addresses come from (tests: a stand-in for DNS); default the system's. Cached and bounded either way. */
  resolver?: Resolver;
}

export interface AttemptOutcome {
  /** When the attempt started (after any wait for a slot). */
  startedAt: Date;
  /** HTTP status, or null when no response arrived (refused, timed out, connection or DNS error). */
  statusCode: number | null;
  durationMs: number;
  /** The start of the response body (at most maxExcerptBytes, UTF-8, lossy). */
  responseExcerpt: string | null;
  /** Why the attempt failed before a response; never contains header values or secrets. */
  error: string | null;
  /** The response's Retry-After, in milliseconds, when present and valid. */
  retryAfterMs?: number;
  /** The SSRF policy refused the destination address (no connection was made). */
  refused?: boolean;
}

/** Bytes of a response body read (and discarded) beyond the excerpt, so the connection can be reused. */
const DRAIN_LIMIT = 64 * 1024;
/** A destination's pool unused this long is closed, ms. */
const POOL_IDLE_MS = 5 * 60_000;

/** A short, safe description of a request failure (error codes and library messages only). */
export function describeError(err: unknown, limits: { timeoutMs: number; connectTimeoutMs: number }): { message: string; refused: boolean } {
  const seen = new Set<unknown>();
  let current: unknown = err;
  while (current && typeof current === 'object' && !seen.has(current)) {
    seen.add(current);
    const e = current as { name?: string; code?: string; message?: string; cause?: unknown };
    if (e.code === 'ERR_SSRF_REFUSED') return { message: e.message ?? 'refused by the SSRF policy', refused: true };
    if (current instanceof DnsLookupError) return { message: current.message, refused: false };
    if (e.code === 'UND_ERR_CONNECT_TIMEOUT') return { message: `connect timed out after ${limits.connectTimeoutMs} ms`, refused: false };
    if (e.name === 'TimeoutError' || e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_BODY_TIMEOUT') {
      return { message: `timed out after ${limits.timeoutMs} ms`, refused: false };
    }
    if (!e.cause) break;
    current = e.cause;
  }
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const inner = e.cause?.message && e.cause.message !== e.message ? ` (${e.cause.code ?? ''}${e.cause.code ? ': ' : ''}${e.cause.message})` : '';
  return { message: `${e.code ? `${e.code}: ` : ''}${e.message ?? String(err)}${inner}`.slice(0, 500), refused: false };
}

export class OutboundClient {
  private readonly pools = new Map<string, { pool: Pool; origin: string; usedAt: number }>();
  private readonly connect: buildConnector.connector;
  private readonly maxExcerpt: number;
  private readonly limits: { timeoutMs: number; connectTimeoutMs: number };
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly options: OutboundOptions) {
    this.maxExcerpt = options.maxExcerptBytes ?? 4096;
    this.limits = { timeoutMs: options.timeoutMs, connectTimeoutMs: options.connectTimeoutMs ?? 5000 };
    const dnsTimeoutMs = options.dnsTimeoutMs ?? 2000;
    const names = new HostResolver({ source: options.resolver ?? systemResolver({ timeoutMs: dnsTimeoutMs }), timeoutMs: dnsTimeoutMs });
    const base = buildConnector({ timeout: this.limits.connectTimeoutMs });
    this.connect = (opts, callback) => {
      // `host` keeps the original name, so TLS still sends it as SNI and verifies the certificate against it.
      resolveVetted(options.policy, opts.hostname, names.lookup).then(
        (address) => base({ ...opts, hostname: address }, callback),
        (err: Error) => callback(err, null),
      );
    };
    this.sweeper = setInterval(() => this.closeIdlePools(), POOL_IDLE_MS / 5);
    this.sweeper.unref();
  }

  /**
   * POSTs `body`; `headers` is a flat [name, value, name, value…] list sent in order. `destination` names the
   * connection pool (the integration id; the worker never has more attempts in flight per destination than
   * the pool has connections). Never throws.
   */
  async post(url: string, headers: string[], body: string, destination?: string): Promise<AttemptOutcome> {
    const startedAt = new Date();
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return { startedAt, statusCode: null, durationMs: 0, responseExcerpt: null, error: 'the destination URL is invalid' };
    }
    const signal = AbortSignal.timeout(this.options.timeoutMs);
    try {
      const res = await this.poolFor(destination ?? parsed.origin, parsed.origin).request({
        path: parsed.pathname + parsed.search,
        method: 'POST',
        headers,
        body,
        signal,
      });
      const excerpt = await this.capture(res.body);
      return {
        startedAt,
        statusCode: res.statusCode,
        durationMs: elapsed(),
        responseExcerpt: excerpt,
        error: null,
        retryAfterMs: parseRetryAfter(res.headers['retry-after']),
      };
    } catch (err) {
      const { message, refused } = describeError(err, this.limits);
      return { startedAt, statusCode: null, durationMs: elapsed(), responseExcerpt: null, error: message, ...(refused ? { refused } : {}) };
    }
  }

  /** The destination's pool for `origin`; a destination whose URL moved to another origin gets a new one. */
  private poolFor(destination: string, origin: string): Pool {
    const entry = this.pools.get(destination);
    if (entry && entry.origin === origin) {
      entry.usedAt = Date.now();
      return entry.pool;
    }
    if (entry) void entry.pool.close();
    const pool = new Pool(origin, {
      connect: this.connect,
      connections: this.options.connectionsPerDestination,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 60_000,
      headersTimeout: this.options.timeoutMs,
      bodyTimeout: this.options.timeoutMs,
    });
    this.pools.set(destination, { pool, origin, usedAt: Date.now() });
    return pool;
  }

  private closeIdlePools(): void {
    const cutoff = Date.now() - POOL_IDLE_MS;
    for (const [key, entry] of this.pools) {
      if (entry.usedAt < cutoff) {
        this.pools.delete(key);
        void entry.pool.close();
      }
    }
  }

  /** Keeps the first maxExcerpt bytes; reads up to DRAIN_LIMIT more so the connection stays reusable, then cuts. */
  private async capture(body: AsyncIterable<Buffer> & { destroy(): void }): Promise<string | null> {
    const kept: Buffer[] = [];
    let keptBytes = 0;
    let total = 0;
    try {
      for await (const chunk of body) {
        total += chunk.length;
        if (keptBytes < this.maxExcerpt) {
          const part = chunk.subarray(0, this.maxExcerpt - keptBytes);
          kept.push(part);
          keptBytes += part.length;
        }
        if (total > this.maxExcerpt + DRAIN_LIMIT) {
          body.destroy();
          break;
        }
      }
    } catch {
      /* a body cut short still leaves its excerpt */
    }
    return keptBytes === 0 ? null : Buffer.concat(kept).toString('utf8');
  }

  /** Closes every pool once its requests have finished. */
  async close(): Promise<void> {
    clearInterval(this.sweeper);
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((p) => p.pool.close()));
  }

  /** Drops every connection now, without waiting for in-flight requests (shutdown after the grace period). */
  async destroy(): Promise<void> {
    clearInterval(this.sweeper);
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((p) => p.pool.destroy()));
  }
}
