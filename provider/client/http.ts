/**
 * A small HTTP/1.1 client over node:http(s) with keep-alive.
 *
 * Why not global fetch: Node loads its bundled undici on the first fetch call, which costs tens of
 * milliseconds in every provider process, and Terraform starts several per command. node:http is already
 * part of the start-up snapshot.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { readFileSync } from 'node:fs';
import * as tls from 'node:tls';

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface HttpRequest {
  method: string;
  url: URL;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
  /** Milliseconds before the request is abandoned. Default 60000. */
  timeoutMs?: number;
}

/** Thrown when no HTTP response arrives (connection refused, DNS failure, timeout, cancellation). */
export class TransportError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = 'TransportError';
  }
}

// Terraform applies up to 10 resources at once by default (-parallelism); keep that many connections warm.
// Idle sockets close after 4 s, before a Node server's default 5 s keep-alive timeout would close them under
// us (a request on a socket the server just closed fails with ECONNRESET).
const agentOptions = { keepAlive: true, maxSockets: 32, timeout: 4_000 };
const httpAgent = new http.Agent(agentOptions);
let httpsAgent: https.Agent | undefined;

/**
 * The HTTPS agent, made on first use. It trusts Node's default roots plus the certificates the caller's
 * NODE_EXTRA_CA_CERTS named, which the executable's first line passes on as CF_PROVIDER_EXTRA_CA_CERTS rather
 * than letting Node load them at every launch (see SHEBANG in provider/build.ts).
 */
function secureAgent(): https.Agent {
  if (!httpsAgent) {
    const extraFile = process.env.CF_PROVIDER_EXTRA_CA_CERTS;
    let ca: string[] | undefined;
    if (extraFile) {
      try {
        ca = [...tls.rootCertificates, readFileSync(extraFile, 'utf8')];
      } catch (err) {
        // Node's own behaviour for an unreadable NODE_EXTRA_CA_CERTS: warn and carry on with the default roots.
        process.stderr.write(`[WARN] ignoring extra CA certificates from ${extraFile}: ${(err as Error).message}\n`);
      }
    }
    httpsAgent = new https.Agent({ ...agentOptions, ...(ca ? { ca } : {}) });
  }
  return httpsAgent;
}

export function send(req: HttpRequest): Promise<HttpResponse> {
  const isHttps = req.url.protocol === 'https:';
  const lib = isHttps ? https : http;
  return new Promise((resolve, reject) => {
    const outgoing = lib.request(
      req.url,
      {
        method: req.method,
        headers: {
          ...(req.body !== undefined ? { 'content-length': String(Buffer.byteLength(req.body)) } : {}),
          ...req.headers,
        },
        agent: isHttps ? secureAgent() : httpAgent,
        signal: req.signal,
        timeout: req.timeoutMs ?? 60_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', (err) => reject(new TransportError(err.message, (err as NodeJS.ErrnoException).code)));
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(Object.assign(new Error('request timed out'), { code: 'ETIMEDOUT' })));
    outgoing.on('error', (err: NodeJS.ErrnoException) =>
      reject(new TransportError(err.name === 'AbortError' ? 'cancelled' : err.message, err.code ?? err.name)),
    );
    outgoing.end(req.body);
  });
}

/** How long to keep trying a request the server answers "come back later" (429 or 503). */
export interface RetryPolicy {
  /** Longest total wait across the retries of one request, ms. Default 120000 (an embedded database restart takes seconds, a managed database failover a minute or two). */
  budgetMs: number;
  /** Wait before the first retry when the answer has no Retry-After, ms; doubles each time (±20 % jitter). Default 500. */
  firstDelayMs: number;
  /** Longest wait between two tries without Retry-After, ms. Default 8000. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { budgetMs: 120_000, firstDelayMs: 500, maxDelayMs: 8_000 };

/**
 * 429 Too Many Requests and 503 Service Unavailable say the server did not act on the request and when to come
 * back, so they are retried whatever the method.
 */
const RETRY_LATER: ReadonlySet<number> = new Set([429, 503]);

/** The final answer, and how much retrying it took (for the diagnostic when it is still 429 or 503). */
export interface RetriedResponse extends HttpResponse {
  attempts: number;
  /** From the first try to the last answer, ms. */
  elapsedMs: number;
}

/** Shortest wait between two tries, ms, whatever Retry-After says: a server answering "0" must not get a busy loop. */
const MIN_WAIT_MS = 50;

/**
 * `send`, retrying 429 and 503 with backoff until the policy's budget (wall-clock time since the first try) is
 * spent: each wait is the answer's Retry-After (seconds or an HTTP date) when it has one, else the doubling
 * backoff. A wait that would end past the budget ends the retries at once. Returns the last answer, which is
 * still 429 or 503 if the server never recovered; transport failures and cancellation reject as `send` does.
 */
export async function sendRetrying(
  req: HttpRequest,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
  /** Called before each wait (for logging). */
  onRetry?: (status: number, waitMs: number, attempt: number) => void,
): Promise<RetriedResponse> {
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    const res = await send(req);
    const elapsedMs = Date.now() - started;
    if (!RETRY_LATER.has(res.status)) return { ...res, attempts: attempt, elapsedMs };
    const backoff = Math.min(policy.maxDelayMs, policy.firstDelayMs * 2 ** (attempt - 1)) * (0.8 + 0.4 * Math.random());
    const wait = Math.max(MIN_WAIT_MS, retryAfterMs(res.headers['retry-after']) ?? backoff);
    if (elapsedMs + wait > policy.budgetMs) return { ...res, attempts: attempt, elapsedMs };
    onRetry?.(res.status, wait, attempt);
    await abortableDelay(wait, req.signal);
  }
}

/** Retry-After as milliseconds from now: delta-seconds or an HTTP date (RFC 9110 §10.2.3); undefined if absent or invalid. */
export function retryAfterMs(header: string | string[] | undefined, now = Date.now()): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === '') return undefined;
  if (/^\s*\d+\s*$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Waits `ms`, or rejects with a TransportError('cancelled') as soon as `signal` aborts (Terraform stopping the provider). */
function abortableDelay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const cancelled = () => {
      clearTimeout(timer);
      reject(new TransportError('cancelled', 'ABORT_ERR'));
    };
    if (signal?.aborted) return cancelled();
    timer = setTimeout(() => {
      signal?.removeEventListener('abort', cancelled);
      resolve();
    }, ms);
    signal?.addEventListener('abort', cancelled, { once: true });
  });
}
