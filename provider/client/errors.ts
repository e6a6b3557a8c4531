/**
 * The ONE place API failures become Terraform diagnostics. The API answers errors as RFC 9457
 * problem+json; validation problems list each offending field as a path like "headers[0].key", which maps
 * onto the attribute path of the same name so Terraform can point at the configuration line.
 */
import type { Diagnostic, PathStep } from '../protocol';

export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  errors?: Array<{ path?: string; message?: string }>;
}

/** A non-2xx answer from the API. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
    /** How often the request was sent, and for how long from the first try to this answer (429 and 503 are retried). */
    readonly retried: { attempts: number; elapsedMs: number } = { attempts: 1, elapsedMs: 0 },
  ) {
    super(problem.title ?? `HTTP ${status}`);
    this.name = 'ApiError';
  }
}

/** What the mapping needs to know about the call that failed. */
export interface FailureContext {
  /** e.g. "create the webhook integration". */
  operation: string;
  apiUrl: string;
  /** Which settings supplied the credentials, e.g. "api_key (or CF_API_KEY)". */
  credentials: string;
  /** Attributes that are sets: their elements have no index in Terraform, so paths stop at the set. */
  setAttributes?: readonly string[];
  /** Values that must never be shown (header values): replaced if an API message ever echoes them. */
  secrets?: readonly string[];
}

/** "headers[0].key" -> ["headers", 0, "key"]; "" -> []. */
export function parseApiPath(path: string): PathStep[] {
  const steps: PathStep[] = [];
  for (const match of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    steps.push(match[2] !== undefined ? Number(match[2]) : match[1]);
  }
  return steps;
}

export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const s of secrets) if (s.length >= 3) out = out.split(s).join('(sensitive value)');
  return out;
}

/**
 * The attribute path for an API field path. Set elements have no index in Terraform, so such paths stop at
 * the set (the detail names the element). List paths stop at the element (headers[0], not headers[0].key):
 * Terraform highlights that element's line in the configuration but cannot resolve deeper into a nested
 * attribute's object, and would fall back to the whole resource block.
 */
function toAttributePath(apiPath: string, sets: readonly string[]): { path: PathStep[]; element?: number } {
  const path = parseApiPath(apiPath);
  if (typeof path[0] === 'string' && sets.includes(path[0]) && typeof path[1] === 'number') {
    return { path: [path[0]], element: path[1] };
  }
  const index = path.findIndex((step) => typeof step === 'number');
  return { path: index >= 0 ? path.slice(0, index + 1) : path };
}

export function apiErrorToDiagnostics(err: ApiError, ctx: FailureContext): Diagnostic[] {
  const clean = (s: string) => redact(s, ctx.secrets);
  const title = clean(err.problem.title ?? `HTTP ${err.status}`);
  const detail = err.problem.detail ? clean(err.problem.detail) : '';
  const fieldErrors = err.problem.errors ?? [];

  switch (err.status) {
    case 400:
    case 422:
      if (fieldErrors.length) {
        return fieldErrors.map((e) => {
          const { path, element } = toAttributePath(e.path ?? '', ctx.setAttributes ?? []);
          const where = e.path ? `${e.path}: ` : '';
          return {
            severity: 'error' as const,
            summary: 'Invalid value',
            detail:
              `The API refused to ${ctx.operation}: ${where}${clean(e.message ?? 'invalid')}` +
              (element !== undefined ? ` (element ${element} of the set)` : '') +
              '. Fix the value in the configuration.',
            path,
          };
        });
      }
      return [error(`Invalid request: ${title}`, `The API refused to ${ctx.operation}: ${detail || title}.`)];
    case 401:
      return [
        error(
          'Authentication failed',
          `The Common Fate API at ${ctx.apiUrl} refused the credentials from ${ctx.credentials}${detail ? `: ${detail}` : ''}. ` +
            `Set a valid api_key (or CF_API_KEY), or oidc_issuer, oidc_client_id and oidc_client_secret (or the CF_OIDC_* variables).`,
        ),
      ];
    case 403:
      return [
        error(
          'Permission denied',
          `The credentials from ${ctx.credentials} are not allowed to ${ctx.operation}${detail ? `: ${detail}` : ''}. ` +
            'Use credentials whose principal may manage webhook integrations.',
        ),
      ];
    case 429:
    case 503: {
      const tries = err.retried.attempts;
      const waited = Math.round(err.retried.elapsedMs / 1000);
      return [
        error(
          'Control plane temporarily unavailable',
          `The Common Fate API at ${ctx.apiUrl} answered HTTP ${err.status} (${detail || title}) when trying to ${ctx.operation}` +
            (tries > 1 ? `, ${tries} times over ${waited} s` : '') +
            `. ${err.status === 429 ? 'It is limiting the rate of requests' : 'It is temporarily unable to serve requests (a database outage or restart)'}; ` +
            'run terraform apply again in a few minutes. If this persists, check the service: its /readyz endpoint and its logs.',
        ),
      ];
    }
    case 409:
    case 412:
      return [
        error(
          `Conflict: ${title}`,
          `The API refused to ${ctx.operation}${detail ? `: ${detail}` : ''}. It may have been changed concurrently; run terraform apply again.`,
        ),
      ];
    default:
      return [
        error(
          `API error: ${title}`,
          `The API answered HTTP ${err.status} when trying to ${ctx.operation}${detail ? `: ${detail}` : ''}. ` +
            (err.status >= 500 ? 'This is likely temporary; try again.' : ''),
        ),
      ];
  }
}

function error(summary: string, detail: string): Diagnostic {
  return { severity: 'error', summary, detail: detail.trim() };
}
