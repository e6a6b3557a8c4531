import { Agent, buildConnector } from 'undici';
import { resolveVetted, systemResolver, type Resolver, type SsrfPolicy } from './ssrf';

/**
 * The one HTTP client for user-supplied URLs. It enforces, on every request: the SSRF policy on the address
 * actually dialled (resolution happens inside the connector, and the socket is opened to the vetted address, so
 * DNS rebinding cannot swap it), a per-attempt timeout, a bounded response capture, and no redirects (undici's
 * request never follows them). Connections are kept alive per origin, at most `connectionsPerOrigin` each.
 */
export interface OutboundOptions {
  policy: SsrfPolicy;
  /** Whole-attempt timeout (connect, headers and body), milliseconds. */
  timeoutMs: number;
  /** Open connections per destination origin. */
  connectionsPerOrigin: number;
  /** Bytes of the response body kept for the attempt record. Default 4096. */
  maxExcerptBytes?: number;
  /** Name resolution (tests may count lookups); default the system resolver. */
  resolver?: Resolver;
}

export interface AttemptOutcome {
  /** HTTP status, or null when no response arrived (refused, timed out, connection error). */
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
/** Longest Retry-After honoured: one day. */
const MAX_RETRY_AFTER_MS = 24 * 60 * 60 * 1000;

/** Parses Retry-After (delta-seconds or an HTTP date) into milliseconds from `now`; undefined when invalid. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (!text) return undefined;
  const trimmed = text.trim();
  let ms: number;
  if (/^\d+$/.test(trimmed)) ms = Number(trimmed) * 1000;
  else {
    const at = Date.parse(trimmed);
    if (Number.isNaN(at)) return undefined;
    ms = Math.max(0, at - now);
  }
  return Math.min(ms, MAX_RETRY_AFTER_MS);
}

/** A short, safe description of a request failure (error codes and library messages only). */
export function describeError(err: unknown, timeoutMs: number): { message: string; refused: boolean } {
  const seen = new Set<unknown>();
  let current: unknown = err;
  while (current && typeof current === 'object' && !seen.has(current)) {
    seen.add(current);
    const e = current as { name?: string; code?: string; message?: string; cause?: unknown };
    if (e.code === 'ERR_SSRF_REFUSED') return { message: e.message ?? 'refused by the SSRF policy', refused: true };
    if (e.name === 'TimeoutError' || e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_BODY_TIMEOUT' || e.code === 'UND_ERR_CONNECT_TIMEOUT') {
      return { message: `timed out after ${timeoutMs} ms`, refused: false };
    }
    if (!e.cause) break;
    current = e.cause;
  }
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const inner = e.cause?.message && e.cause.message !== e.message ? ` (${e.cause.code ?? ''}${e.cause.code ? ': ' : ''}${e.cause.message})` : '';
  return { message: `${e.code ? `${e.code}: ` : ''}${e.message ?? String(err)}${inner}`.slice(0, 500), refused: false };
}

export class OutboundClient {
  private readonly agent: Agent;
  private readonly maxExcerpt: number;

  constructor(private readonly options: OutboundOptions) {
    this.maxExcerpt = options.maxExcerptBytes ?? 4096;
    const base = buildConnector({ timeout: Math.min(options.timeoutMs, 10_000) });
    const resolver = options.resolver ?? systemResolver;
    const connect: buildConnector.connector = (opts, callback) => {
      // `host` keeps the original name, so TLS still sends it as SNI and verifies the certificate against it.
      resolveVetted(options.policy, opts.hostname, resolver).then(
        (address) => base({ ...opts, hostname: address }, callback),
        (err: Error) => callback(err, null),
      );
    };
    this.agent = new Agent({
      connect,
      connections: options.connectionsPerOrigin,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 60_000,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
  }

  /** POSTs `body`; `headers` is a flat [name, value, name, value…] list sent in order. Never throws. */
  async post(url: string, headers: string[], body: string): Promise<AttemptOutcome> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return { statusCode: null, durationMs: 0, responseExcerpt: null, error: 'the destination URL is invalid' };
    }
    const signal = AbortSignal.timeout(this.options.timeoutMs);
    try {
      const res = await this.agent.request({
        origin: parsed.origin,
        path: parsed.pathname + parsed.search,
        method: 'POST',
        headers,
        body,
        signal,
      });
      const excerpt = await this.capture(res.body);
      return {
        statusCode: res.statusCode,
        durationMs: elapsed(),
        responseExcerpt: excerpt,
        error: null,
        retryAfterMs: parseRetryAfter(res.headers['retry-after']),
      };
    } catch (err) {
      const { message, refused } = describeError(err, this.options.timeoutMs);
      return { statusCode: null, durationMs: elapsed(), responseExcerpt: null, error: message, ...(refused ? { refused } : {}) };
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

  close(): Promise<void> {
    return this.agent.close();
  }

  /** Drops every connection now, without waiting for in-flight requests (shutdown after the grace period). */
  destroy(): Promise<void> {
    return this.agent.destroy();
  }
}
