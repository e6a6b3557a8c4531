import type { ErrorRequestHandler, Response } from 'express';
import { AppError, type ErrorKind, type FieldProblem } from '../errors';

/** The one table from error kind to HTTP status and RFC 9457 problem type. */
export const PROBLEM_TABLE = {
  validation: { status: 400, title: 'Validation failed' },
  malformed_json: { status: 400, title: 'Malformed JSON' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  payload_too_large: { status: 413, title: 'Payload too large' },
  unauthenticated: { status: 401, title: 'Unauthenticated' },
  forbidden: { status: 403, title: 'Forbidden' },
  not_found: { status: 404, title: 'Not found' },
  method_not_allowed: { status: 405, title: 'Method not allowed' },
  conflict: { status: 409, title: 'Conflict' },
  precondition_failed: { status: 412, title: 'Precondition failed' },
  unavailable: { status: 503, title: 'Service unavailable' },
  internal: { status: 500, title: 'Internal server error' },
} as const satisfies Record<ErrorKind, { status: number; title: string }>;

/** Problem `type` URIs are stable identifiers clients may switch on. */
export const problemType = (kind: ErrorKind) => `https://commonfate.io/problems/${kind.replace(/_/g, '-')}`;

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors?: FieldProblem[];
  request_id?: string;
}

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

/** The one error handler: typed errors become problems; anything else is logged and answered with a bare 500. */
export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  const known = err instanceof AppError ? err : fromExpress(err);
  if (known) return sendProblem(res, known);
  req.log?.error({ err }, 'unhandled error');
  sendProblem(res, new AppError('internal', 'An unexpected error occurred.'));
};
