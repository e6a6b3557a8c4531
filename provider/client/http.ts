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
