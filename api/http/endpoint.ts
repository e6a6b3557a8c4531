import type { Request, RequestHandler, Response } from 'express';
import type { Pool } from 'pg';
import type { Authenticator } from '../auth/authenticate';
import type { Authorizer } from '../authz/authorizer';
import type { EvaluationRecorder } from '../authorization-evaluations/recorder';
import { principalCause, type RequestOrigin } from '../audit-events/event';
import { AppError, forbidden, notFound, validationError } from '../errors';
import { ID_LABELS, isId, type IdKind } from '../ids';
import { errorKindsOf, type Call, type Reply, type Route } from './route';
import { parseOrThrow } from './validate';

export interface Security {
  authenticator: Authenticator;
  authorizer: Authorizer;
  recorder: EvaluationRecorder;
}

/** What every endpoint needs at run time. */
export interface Runtime {
  security: Security;
  pool: Pool;
}

export const EVALUATION_HEADER = 'CF-Authorization-Evaluation';

/** The audit event's view of a request: the peer address (IPv4-mapped IPv6 shown as IPv4) and User-Agent. */
export function originOf(req: Request): RequestOrigin {
  const raw = req.socket.remoteAddress ?? '';
  const clientAddr = raw.startsWith('::ffff:') && raw.includes('.') ? raw.slice('::ffff:'.length) : raw;
  return { clientAddr, userAgent: req.get('user-agent') ?? '' };
}

function send(res: Response, reply: Reply): void {
  for (const [k, v] of Object.entries(reply.headers ?? {})) res.setHeader(k, v);
  res.status(reply.status);
  if (reply.text !== undefined) res.type(reply.contentType ?? 'text/plain').send(reply.text);
  else if (reply.body === undefined) res.end();
  else res.json(reply.body);
}

/** The path parameters, each checked to be an id of its declared kind (404 otherwise, before any lookup). */
function paramsOf(req: Request, kinds: Record<string, IdKind>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, kind] of Object.entries(kinds)) {
    const raw = String(req.params[name] ?? '');
    if (!isId(kind, raw)) throw notFound(`${ID_LABELS[kind]} ${raw.slice(0, 64)}`);
    out[name] = raw;
  }
  return out;
}

/**
 * Runs one declared route: authentication, a Cedar decision for its action, input validation, the handler,
 * and the storing of the decision. The handler runs while the evaluation is being written; the response waits
 * for both, so every decision — allow or deny — is stored before the caller hears the outcome.
 */
export function endpoint(route: Route, runtime: Runtime): RequestHandler {
  if (route.action === null) {
    const handler = route.handler;
    return async (req, res) => send(res, await handler({ db: runtime.pool, log: req.log }));
  }
  const { action, handler } = route;
  const { authenticator, authorizer, recorder } = runtime.security;
  const declared = errorKindsOf(route);
  return async (req: Request, res: Response) => {
    const principal = await authenticator.authenticate(req.headers.authorization);
    const evaluation = authorizer.decide(principal, action);
    res.setHeader(EVALUATION_HEADER, evaluation.id);
    const stored = recorder.record(evaluation).then(
      () => undefined,
      () => {
        throw new AppError('unavailable', 'The authorization decision could not be recorded; retry the request.');
      },
    );
    if (!evaluation.allowed) {
      await stored;
      throw forbidden(
        `${principal.type}::"${principal.id}" (role ${principal.role}) may not call ${action.id} (evaluation ${evaluation.id}).`,
      );
    }
    const run = async () => {
      const call: Call<string, unknown, unknown> = {
        params: paramsOf(req, route.params ?? {}),
        query: route.query ? parseOrThrow(route.query, req.query, 'The query parameters are invalid; see errors.') : undefined,
        body: route.body ? parseBody(route.body, req.body) : undefined,
        principal,
        evaluation,
        get cause() {
          return principalCause(principal, originOf(req), evaluation.id);
        },
        ifMatch: route.ifMatch ? req.get('if-match') : undefined,
        db: runtime.pool,
        log: req.log,
      };
      return handler(call as never);
    };
    const outcome = await Promise.allSettled([run(), stored]);
    if (outcome[1].status === 'rejected') throw outcome[1].reason;
    if (outcome[0].status === 'rejected') {
      const err = outcome[0].reason;
      if (err instanceof AppError && !declared.has(err.kind)) {
        req.log.warn({ kind: err.kind, operation: route.operationId }, 'an error kind the route does not declare (the document misses it)');
      }
      throw err;
    }
    send(res, outcome[0].value);
  };
}

function parseBody(spec: NonNullable<Extract<Route, { action: object }>['body']>, raw: unknown): unknown {
  if (raw === undefined) {
    if (!spec.required) return parseOrThrow(spec.schema!, {});
    throw validationError([{ path: '', message: 'a JSON object body is required (Content-Type: application/json)' }]);
  }
  return parseOrThrow(spec.schema!, raw);
}
