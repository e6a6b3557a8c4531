import type { Request, RequestHandler, Response } from 'express';
import type { Authenticator } from '../auth/authenticate';
import type { Principal } from '../auth/principal';
import type { Authorizer, AuthorizationEvent } from '../authz/authorizer';
import type { RpcAction } from '../authz/actions';
import type { EvaluationRecorder } from '../authorization-evaluations/recorder';
import { principalCause, type Cause, type RequestOrigin } from '../audit-events/event';
import { AppError, forbidden } from '../errors';

/** What a handler returns; the endpoint sends it once the authorization evaluation is stored. */
export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface CallContext {
  principal: Principal;
  evaluation: AuthorizationEvent;
  req: Request;
  /** Who caused the events of this call, from where, allowed by which evaluation. */
  readonly cause: Cause;
}

/** The audit event's view of a request: the peer address (IPv4-mapped IPv6 shown as IPv4) and User-Agent. */
export function originOf(req: Request): RequestOrigin {
  const raw = req.socket.remoteAddress ?? '';
  const clientAddr = raw.startsWith('::ffff:') && raw.includes('.') ? raw.slice('::ffff:'.length) : raw;
  return { clientAddr, userAgent: req.get('user-agent') ?? '' };
}

export interface Security {
  authenticator: Authenticator;
  authorizer: Authorizer;
  recorder: EvaluationRecorder;
}

export const EVALUATION_HEADER = 'CF-Authorization-Evaluation';

/**
 * Wraps a handler with authentication, a Cedar decision for `action`, and the storing of that decision. The
 * handler runs while the evaluation is being written; the response waits for both, so every decision — allow
 * or deny — is stored before the caller hears the outcome.
 */
export function endpoint(security: Security, action: RpcAction, handler: (ctx: CallContext) => Promise<Reply>): RequestHandler {
  return async (req: Request, res: Response) => {
    const principal = await security.authenticator.authenticate(req.headers.authorization);
    const evaluation = security.authorizer.decide(principal, action);
    res.setHeader(EVALUATION_HEADER, evaluation.id);
    const stored = security.recorder.record(evaluation).then(
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
    const ctx: CallContext = {
      principal,
      evaluation,
      req,
      get cause() {
        return principalCause(principal, originOf(req), evaluation.id);
      },
    };
    const outcome = await Promise.allSettled([handler(ctx), stored]);
    if (outcome[1].status === 'rejected') throw outcome[1].reason;
    if (outcome[0].status === 'rejected') throw outcome[0].reason;
    const reply = outcome[0].value;
    for (const [k, v] of Object.entries(reply.headers ?? {})) res.setHeader(k, v);
    if (reply.body === undefined) res.status(reply.status).end();
    else res.status(reply.status).json(reply.body);
  };
}
