import type { Request, RequestHandler, Response } from 'express';
import type { Pool, PoolClient } from 'pg';
import type { Authenticator } from '../auth/authenticate';
import type { Principal } from '../auth/principal';
import type { Authorizer, AuthorizationEvent, SecretAccess } from '../authz/authorizer';
import { insertEvaluations, type EvaluationRecorder } from '../authorization-evaluations/recorder';
import { principalCause, type RequestOrigin } from '../audit-events/event';
import { withTransaction } from '../db/transaction';
import { AppError, forbidden, notFound, validationError } from '../errors';
import { claimIdempotencyKey, saveIdempotentResponse, type IdempotencyScope } from '../idempotency/store';
import type { Keyring } from '../secrets/keyring';
import { ID_LABELS, isId, type IdKind } from '../ids';
import { idempotencyKeyOf, idempotencyScope, REPLAYED_HEADER } from './idempotency';
import { errorKindsOf, writeModeOf, type AuthenticatedSpec, type Call, type Reply, type Route } from './route';
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
  /** Seals the responses stored for Idempotency-Key replays (they may hold secrets). */
  keyring: Keyring;
}

export const EVALUATION_HEADER = 'CF-Authorization-Evaluation';

type Authenticated = AuthenticatedSpec<string, never, never>;

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

function bodyOf(spec: NonNullable<Authenticated['body']>, raw: unknown): unknown {
  if (raw === undefined) {
    if (!spec.required) return parseOrThrow(spec.schema as never, {});
    throw validationError([{ path: '', message: 'a JSON object body is required (Content-Type: application/json)' }]);
  }
  return parseOrThrow(spec.schema as never, raw);
}

const unrecorded = () => new AppError('unavailable', 'The authorization decision could not be recorded; retry the request.');

type Input = { params: Record<string, string>; query: unknown; body: unknown; ifMatch?: string };

/** A call as its handler sees it; `cause` and `tx` are worked out only when a handler asks for them. */
class HandlerCall {
  readonly params: Record<string, string>;
  readonly query: unknown;
  readonly body: unknown;
  readonly ifMatch?: string;
  readonly log: Request['log'];

  constructor(
    private readonly req: Request,
    input: Input,
    readonly principal: Principal,
    readonly evaluation: AuthorizationEvent,
    readonly db: Pool | PoolClient,
    private readonly transaction: PoolClient | undefined,
    private readonly secretDecision: (() => SecretAccess) | undefined,
  ) {
    this.params = input.params;
    this.query = input.query;
    this.body = input.body;
    this.ifMatch = input.ifMatch;
    this.log = req.log;
  }

  get cause() {
    return principalCause(this.principal, originOf(this.req), this.evaluation.id);
  }

  get secrets(): SecretAccess {
    if (!this.secretDecision) throw new Error('call.secrets is only set for routes declared with reveals');
    return this.secretDecision();
  }

  get tx(): PoolClient {
    if (!this.transaction) throw new Error('call.tx is only set for routes declared with transaction: true');
    return this.transaction;
  }
}

/**
 * Runs one declared route: authentication, a Cedar decision for its action, input validation, the handler,
 * and the storing of the decision — never after the change the call makes (see the write modes in route.ts),
 * and always before the caller hears the outcome, allowed or denied.
 */
export function endpoint(route: Route, runtime: Runtime): RequestHandler {
  if (route.action === null) {
    const handler = route.handler;
    return async (req, res) => send(res, await handler({ db: runtime.pool, log: req.log }));
  }
  const r = route as unknown as Authenticated;
  const { authenticator, authorizer, recorder } = runtime.security;
  const declared = errorKindsOf(route);

  /** The validated input; a bad request never reaches the handler (nor opens a transaction). */
  function inputOf(req: Request): Input {
    return {
      params: paramsOf(req, r.params ?? {}),
      query: r.query ? parseOrThrow(r.query as never, req.query, 'The query parameters are invalid; see errors.') : undefined,
      body: r.body ? bodyOf(r.body, req.body) : undefined,
      ifMatch: r.ifMatch ? req.get('if-match') : undefined,
    };
  }

  const reveals = r.reveals;
  const callOf = (req: Request, input: Input, principal: Principal, evaluation: AuthorizationEvent, tx?: PoolClient) =>
    new HandlerCall(
      req,
      input,
      principal,
      evaluation,
      tx ?? runtime.pool,
      tx,
      reveals && (() => authorizer.secretAccess(principal, reveals)),
    ) as unknown as Call<string, never, never>;

  /** Runs the handler, or replays the stored response, in one transaction with the evaluation. */
  async function transact(
    req: Request,
    input: Input,
    principal: Principal,
    evaluation: AuthorizationEvent,
    scope?: IdempotencyScope,
  ): Promise<Reply> {
    return withTransaction(runtime.pool, async (tx) => {
      let reply: Reply;
      const stored = scope ? await claimIdempotencyKey(tx, runtime.keyring, scope) : null;
      if (stored) {
        reply = {
          status: stored.status,
          headers: { ...stored.headers, [REPLAYED_HEADER]: 'true' },
          ...(stored.body === null ? {} : { text: stored.body, contentType: 'application/json' }),
        };
      } else {
        reply = await r.handler(callOf(req, input, principal, evaluation, tx));
        if (scope && reply.status >= 200 && reply.status < 300) {
          const body = reply.text ?? (reply.body === undefined ? null : JSON.stringify(reply.body));
          await saveIdempotentResponse(tx, runtime.keyring, scope, { status: reply.status, headers: reply.headers ?? {}, body });
        }
      }
      // Last, after every lock the handler takes (grants, sessions): the fan-out's KEY SHARE locks on integrations
      // are then held only until the commit that follows, and never while waiting for another lock, so they cannot
      // close a cycle with a DELETE of an integration and another call on the same grant.
      await insertEvaluations(tx, [evaluation]);
      return reply;
    });
  }

  return async (req: Request, res: Response) => {
    const principal = await authenticator.authenticate(req.headers.authorization);
    const evaluation = authorizer.decide(principal, r.action);
    res.setHeader(EVALUATION_HEADER, evaluation.id);
    let recorded: Promise<void> | undefined;
    /** Stores the evaluation on its own (batched with other calls'); 503 when it cannot be stored. */
    const recordAlone = () =>
      (recorded ??= recorder.record(evaluation).then(
        () => undefined,
        () => {
          throw unrecorded();
        },
      ));
    if (!evaluation.allowed) {
      await recordAlone();
      throw forbidden(`${principal.type}::"${principal.id}" (role ${principal.role}) may not call ${r.action.id} (evaluation ${evaluation.id}).`);
    }
    try {
      let reply: Reply;
      const key = r.idempotent ? idempotencyKeyOf(req) : undefined;
      const mode = writeModeOf(r, key !== undefined);
      if (mode === 'read') {
        const outcome = await Promise.allSettled([
          Promise.resolve().then(() => r.handler(callOf(req, inputOf(req), principal, evaluation))),
          recordAlone(),
        ]);
        if (outcome[1].status === 'rejected') throw outcome[1].reason;
        if (outcome[0].status === 'rejected') throw outcome[0].reason;
        reply = outcome[0].value;
      } else if (mode === 'record-first') {
        const input = inputOf(req);
        await recordAlone();
        reply = await r.handler(callOf(req, input, principal, evaluation));
      } else {
        const input = inputOf(req);
        reply = await transact(req, input, principal, evaluation, key === undefined ? undefined : idempotencyScope(req, principal, key));
        recorded = Promise.resolve();
      }
      send(res, reply);
    } catch (err) {
      // The change (if any) rolled back with its evaluation; the decision is still stored before answering.
      await recordAlone();
      if (err instanceof AppError && !declared.has(err.kind)) {
        req.log.warn({ kind: err.kind, operation: r.operationId }, 'an error kind the route does not declare (the document misses it)');
      }
      throw err;
    }
  };
}
