/**
 * The Common Fate REST API as the provider uses it. Every call authenticates with the configured token
 * source, and every failure leaves as a DiagnosticError built by ./errors.ts (the one mapping).
 */
import { DiagnosticError, type Logger } from '../protocol';
import type { TokenSource } from './auth';
import { apiErrorToDiagnostics, ApiError, type FailureContext, type Problem } from './errors';
import { DEFAULT_RETRY_POLICY, sendRetrying, TransportError, type HttpResponse, type RetriedResponse, type RetryPolicy } from './http';

/** A header in a request: its value, or `redacted: true` to keep the value the API has stored under that name. */
export type HeaderInput = { key: string; value: string } | { key: string; redacted: true };

/** A header in a response: its value, or only its name when the credentials may not read values (`read_only`). */
export type ResponseHeader = { key: string; value: string } | { key: string; redacted: true };

/** The body of POST and PUT /v1/webhook-integrations (PUT replaces every field). */
export interface WebhookIntegrationInput {
  name: string;
  url: string;
  send_audit_log_events: boolean;
  send_authorization_events: boolean;
  headers: HeaderInput[];
  filter_for_actions: string[];
}

export interface WebhookIntegration extends Omit<WebhookIntegrationInput, 'headers'> {
  headers: ResponseHeader[];
  id: string;
  status: string;
  last_error: string | null;
  created_at: string;
  updated_at: string;
}

export interface ApiClientOptions {
  baseUrl: URL;
  tokens: TokenSource;
  /** Aborted when Terraform stops the provider. */
  signal: AbortSignal;
  userAgent: string;
  /** Each call's method, path, status and duration are logged at DEBUG. */
  log?: Logger;
  /** How long 429 and 503 answers are retried (client/http.ts). Default DEFAULT_RETRY_POLICY: two minutes. */
  retry?: RetryPolicy;
}

/** Per-call options: what the call is for (for messages) and how to map field errors. */
type CallContext = Pick<FailureContext, 'operation' | 'setAttributes' | 'secrets'>;

const IDEMPOTENT = new Set(['GET', 'PUT', 'DELETE']);
/** Gateway failures, retried for idempotent methods (429 and 503 are retried for all, by sendRetrying). */
const RETRY_STATUS = new Set([502, 504]);
const RETRY_TRANSPORT = new Set(['ECONNRESET', 'EPIPE', 'ECONNREFUSED']);
const MAX_ATTEMPTS = 4;

export class ApiClient {
  constructor(private readonly opts: ApiClientOptions) {}

  get baseUrl(): string {
    return this.opts.baseUrl.toString().replace(/\/$/, '');
  }

  async createWebhookIntegration(input: WebhookIntegrationInput, ctx: CallContext): Promise<WebhookIntegration> {
    return (await this.call('POST', '/v1/webhook-integrations', ctx, input)) as WebhookIntegration;
  }

  /** Returns null when the integration does not exist. */
  async getWebhookIntegration(id: string, ctx: CallContext): Promise<WebhookIntegration | null> {
    return (await this.call('GET', `/v1/webhook-integrations/${encodeURIComponent(id)}`, ctx, undefined, true)) as
      | WebhookIntegration
      | null;
  }

  /** Returns null when the integration does not exist (deleted outside Terraform). */
  async replaceWebhookIntegration(
    id: string,
    input: WebhookIntegrationInput,
    ctx: CallContext,
  ): Promise<WebhookIntegration | null> {
    return (await this.call('PUT', `/v1/webhook-integrations/${encodeURIComponent(id)}`, ctx, input, true)) as
      | WebhookIntegration
      | null;
  }

  /** Succeeds when the integration is already gone. */
  async deleteWebhookIntegration(id: string, ctx: CallContext): Promise<void> {
    await this.call('DELETE', `/v1/webhook-integrations/${encodeURIComponent(id)}`, ctx, undefined, true);
  }

  /**
   * One API call with authentication, retries of transient failures for idempotent methods, and error
   * mapping. Returns the parsed JSON body, or null for 204 and (when notFoundIsNull) 404.
   */
  private async call(
    method: string,
    path: string,
    ctx: CallContext,
    body?: unknown,
    notFoundIsNull = false,
  ): Promise<unknown> {
    const url = new URL(this.baseUrl + path);
    const failure: FailureContext = { ...ctx, apiUrl: this.baseUrl, credentials: this.opts.tokens.describe };
    let reauthenticated = false;
    for (let attempt = 1; ; attempt++) {
      let res: RetriedResponse;
      const started = performance.now();
      try {
        const token = await this.opts.tokens.token(this.opts.signal);
        res = await sendRetrying({
          method,
          url,
          signal: this.opts.signal,
          body: body === undefined ? undefined : JSON.stringify(body),
          headers: {
            authorization: `Bearer ${token}`,
            accept: 'application/json, application/problem+json',
            'user-agent': this.opts.userAgent,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
        }, this.opts.retry ?? DEFAULT_RETRY_POLICY, (status, waitMs, tries) =>
          this.opts.log?.log('WARN', 'the API is temporarily unavailable; retrying', { method, path: url.pathname, status, tries, wait_ms: Math.round(waitMs) }),
        );
      } catch (err) {
        if (!(err instanceof TransportError)) throw err;
        const retryable = IDEMPOTENT.has(method) && RETRY_TRANSPORT.has(err.code ?? '') && !this.opts.signal.aborted;
        if (retryable && attempt < MAX_ATTEMPTS) {
          await delay(backoff(attempt));
          continue;
        }
        throw unreachable(failure, err);
      }
      if (this.opts.log?.enabled('DEBUG')) {
        const ms = Math.round((performance.now() - started) * 10) / 10;
        this.opts.log.log('DEBUG', 'API call', { method, path: url.pathname, status: res.status, attempt, tries: res.attempts, ms });
      }

      if (res.status >= 200 && res.status < 300) return res.status === 204 || !res.body ? null : parseBody(res, failure);
      if (res.status === 404 && notFoundIsNull) return null;
      if (res.status === 401 && !reauthenticated) {
        // An OIDC token may have been revoked or expired early: fetch a fresh one once.
        reauthenticated = true;
        this.opts.tokens.invalidate();
        continue;
      }
      if (IDEMPOTENT.has(method) && RETRY_STATUS.has(res.status) && attempt < MAX_ATTEMPTS) {
        await delay(backoff(attempt));
        continue;
      }
      const retried = { attempts: res.attempts, elapsedMs: res.elapsedMs };
      throw new DiagnosticError(apiErrorToDiagnostics(new ApiError(res.status, parseProblem(res), retried), failure));
    }
  }
}

/** Parses a success body; the error never quotes the body, which can hold header values. */
function parseBody(res: HttpResponse, ctx: FailureContext): unknown {
  try {
    return JSON.parse(res.body);
  } catch {
    throw new DiagnosticError([
      {
        severity: 'error',
        summary: 'Unexpected API response',
        detail: `${ctx.apiUrl} answered HTTP ${res.status} with a body that is not JSON when trying to ${ctx.operation}. Check that api_url points at the Common Fate API.`,
      },
    ]);
  }
}

function parseProblem(res: HttpResponse): Problem {
  try {
    const parsed = JSON.parse(res.body);
    if (parsed && typeof parsed === 'object') return parsed as Problem;
  } catch {
    // Not JSON (a proxy's HTML page, say): fall through to a bare problem.
  }
  return { status: res.status, title: `HTTP ${res.status}` };
}

function unreachable(ctx: FailureContext, err: TransportError): DiagnosticError {
  if (err.message === 'cancelled') {
    return new DiagnosticError([
      { severity: 'error', summary: 'Cancelled', detail: `Terraform stopped the provider while trying to ${ctx.operation}.` },
    ]);
  }
  return new DiagnosticError([
    {
      severity: 'error',
      summary: 'Could not reach the Common Fate API',
      detail:
        `Connecting to ${ctx.apiUrl} to ${ctx.operation} failed: ${err.message}. ` +
        'Check api_url (or CF_API_URL) and that the service is running and reachable from here.',
    },
  ]);
}

function backoff(attempt: number): number {
  return 100 * 2 ** (attempt - 1) + Math.floor(Math.random() * 100);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
