/**
 * The typed errors domain code throws. They name what went wrong, not how to say it over HTTP: each kind maps
 * to exactly one status and problem type in PROBLEM_TABLE (http/problem.ts), and nothing else decides a status.
 * This module sits below every other (it imports nothing), so domain code never depends on http/.
 */
export interface FieldProblem {
  /** JSON path of the offending value, e.g. `headers[0].key`; empty for the whole body. */
  path: string;
  message: string;
}

export type ErrorKind =
  | 'validation'
  | 'malformed_json'
  | 'unsupported_media_type'
  | 'payload_too_large'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'method_not_allowed'
  | 'conflict'
  | 'request_in_progress'
  | 'idempotency_key_reused'
  | 'precondition_failed'
  | 'unavailable'
  | 'secrets_unreadable'
  | 'internal';

export class AppError extends Error {
  constructor(
    readonly kind: ErrorKind,
    /** Safe for clients: never include secrets. */
    readonly detail: string,
    readonly errors?: FieldProblem[],
    readonly headers?: Record<string, string>,
  ) {
    super(detail);
    this.name = 'AppError';
  }
}

export const validationError = (errors: FieldProblem[], detail = 'The request has invalid fields; see errors.') =>
  new AppError('validation', detail, errors);
export const notFound = (what: string) => new AppError('not_found', `${what} was not found.`);
export const conflict = (detail: string) => new AppError('conflict', detail);
export const unauthenticated = (detail: string) =>
  new AppError('unauthenticated', detail, undefined, { 'WWW-Authenticate': 'Bearer realm="commonfate"' });
export const forbidden = (detail: string) => new AppError('forbidden', detail);
export const preconditionFailed = (detail: string) => new AppError('precondition_failed', detail);
