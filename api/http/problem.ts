import type { ErrorRequestHandler, Response } from 'express';
import { z } from 'zod';
import { isDatabaseUnavailable } from '../db/errors';
import { AppError, type ErrorKind, type FieldProblem } from '../errors';

/** Seconds a client is told to wait (Retry-After) when the service is unavailable: a database restart's length. */
export const RETRY_AFTER_SECONDS = 2;

/** The one table from error kind to HTTP status and RFC 9457 problem type; `when` documents it in /openapi.json. */
export const PROBLEM_TABLE = {
  validation: { status: 400, title: 'Validation failed', when: 'the request has invalid fields or parameters; `errors` lists every problem with its path.' },
  malformed_json: { status: 400, title: 'Malformed JSON', when: 'the body is not valid JSON.' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type', when: 'the body is not sent as JSON (`Content-Type: application/json`).' },
  payload_too_large: { status: 413, title: 'Payload too large', when: 'the body is larger than 1 MiB.' },
  unauthenticated: { status: 401, title: 'Unauthenticated', when: 'the bearer credential is missing or invalid.' },
  forbidden: { status: 403, title: 'Forbidden', when: 'the policy denied the call (the denial is stored as an authorization event).' },
  not_found: { status: 404, title: 'Not found', when: 'no such resource (or the id is not one of its kind).' },
  method_not_allowed: { status: 405, title: 'Method not allowed', when: 'this path does not support the method; `Allow` lists those it does.' },
  conflict: { status: 409, title: 'Conflict', when: 'the resource is not in a state that allows this.' },
  request_in_progress: { status: 409, title: 'Request in progress', when: 'a request with the same `Idempotency-Key` is still running; retry after `Retry-After` seconds.' },
  idempotency_key_reused: { status: 422, title: 'Idempotency key reused', when: 'the `Idempotency-Key` was used with a different request (method, path or body).' },
  precondition_failed: { status: 412, title: 'Precondition failed', when: '`If-Match` no longer matches the current ETag.' },
  unavailable: { status: 503, title: 'Service unavailable', when: 'the database is unavailable, or the authorization decision or the change could not be stored; retry after `Retry-After` seconds.' },
  secrets_unreadable: { status: 500, title: 'Secrets unreadable', when: 'a stored header value or signing secret cannot be decrypted with the configured encryption keys (`CF_ENCRYPTION_KEYS`); an operator must restore the key. The secret is never shown.' },
  internal: { status: 500, title: 'Internal server error', when: 'an unexpected error; the problem carries the request id.' },
} as const satisfies Record<ErrorKind, { status: number; title: string; when: string }>;

/** Problem `type` URIs are stable identifiers clients may switch on. */
export const problemType = (kind: ErrorKind) => `https://commonfate.io/problems/${kind.replace(/_/g, '-')}`;

export const ProblemSchema = z
  .object({
    type: z.string().meta({ description: 'A stable URI naming the kind of problem; switch on it.' }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().meta({ description: 'What went wrong and what to do, for people.' }),
    instance: z.string().optional().meta({ description: 'The path of the request.' }),
    errors: z
      .array(z.object({ path: z.string().meta({ description: 'JSON path of the offending value, e.g. `headers[0].key`.' }), message: z.string() }))
      .optional()
      .meta({ description: 'Every problem with the request (validation errors).' }),
    request_id: z.string().optional(),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details.' });

export type Problem = z.infer<typeof ProblemSchema>;

export function sendProblem(res: Response, err: AppError): void {
  const entry = PROBLEM_TABLE[err.kind];
  const body: Problem = {
    type: problemType(err.kind),
    title: entry.title,
    status: entry.status,
    detail: err.detail,
    instance: res.req.originalUrl,
    ...(err.errors ? { errors: err.errors } : {}),
    ...(res.locals.requestId ? { request_id: res.locals.requestId as string } : {}),
  };
  for (const [k, v] of Object.entries(err.headers ?? {})) res.setHeader(k, v);
  if (entry.status === 503 && !res.hasHeader('Retry-After')) res.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
  res.status(entry.status).type('application/problem+json').send(JSON.stringify(body));
}

/** Turns body-parser failures into typed errors (they carry a `type` field, not a class). */
function fromExpress(err: unknown): AppError | undefined {
  const e = err as { type?: string; status?: number };
  switch (e?.type) {
    case 'entity.parse.failed':
      return new AppError('malformed_json', 'The request body is not valid JSON.');
    case 'entity.too.large':
      return new AppError('payload_too_large', 'The request body is larger than 1 MiB.');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new AppError('unsupported_media_type', 'The request body must be UTF-8 JSON.');
    default:
      // express.static and friends signal a missing file with an http-errors 404.
      return e?.status === 404 ? new AppError('not_found', 'There is no such file.') : undefined;
  }
}

/**
 * The one error handler: typed errors become problems; a database outage (classified by code in db/errors.ts)
 * is 503 with Retry-After, never 500; anything else is logged and answered with a bare 500.
 */
export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  const known = err instanceof AppError ? err : fromExpress(err);
  if (known) {
    // A typed 500 (a stored secret that no configured key opens) is the operator's to fix: say so in the log.
    if (PROBLEM_TABLE[known.kind].status === 500) req.log?.error({ kind: known.kind, detail: known.detail }, 'request failed');
    return sendProblem(res, known);
  }
  if (isDatabaseUnavailable(err)) {
    return sendProblem(res, new AppError('unavailable', `The database is unavailable; retry in ${RETRY_AFTER_SECONDS} seconds.`));
  }
  req.log?.error({ err }, 'unhandled error');
  sendProblem(res, new AppError('internal', 'An unexpected error occurred.'));
};
