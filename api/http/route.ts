import type { Pool, PoolClient } from 'pg';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { Principal } from '../auth/principal';
import type { AuthorizationEvent, SecretAccess } from '../authz/authorizer';
import type { RpcAction } from '../authz/actions';
import type { Cause } from '../audit-events/event';
import type { ErrorKind } from '../errors';
import type { IdKind } from '../ids';
import type { Queryable } from '../queryable';

/**
 * A route is declared once: method, path, Cedar action, what it reads from the request, what it answers, and its
 * handler. The same declaration mounts it on Express (http/mount.ts) and describes it in /openapi.json
 * (openapi/document.ts), so the two cannot drift. Adding an endpoint is adding one `route({...})` to a
 * domain's router.ts and listing that router in http/app.ts if it is new.
 *
 * What a declaration implies, so it need not be restated:
 * - `action` set: Bearer authentication (401), a Cedar decision stored as an authorization event (403 when
 *   denied, 503 when it cannot be stored).
 * - `params`: each `{name}` of the path must be an id of the given kind, else 404 before the handler runs.
 * - `query` / `body`: validated by their zod schemas (400 listing every problem); a body must be JSON (415),
 *   at most 1 MiB (413), parseable (400). Routes without `body` ignore any body sent.
 * - `ifMatch`: the If-Match header is passed to the handler (412 when stale).
 * - `idempotent`: the route accepts an Idempotency-Key (400 for a bad key, 409 while the first request with it
 *   runs, 422 when reused for another request); a repeat replays the stored response.
 * - `reveals`: the response carries secrets that only principals allowed this second Cedar action may read;
 *   the handler gets the outcome as `call.secrets` and shapes its response with it (500 `secrets_unreadable`
 *   when a stored secret does not decrypt).
 *
 * How the call's authorization evaluation is stored (never after the change the call makes):
 * - GET: written while the handler runs (the fast path; reads change nothing); the response waits for both.
 * - a route declared `transaction` (its handler needs one: `call.tx`), and any idempotent call that carries an
 *   Idempotency-Key: the handler runs in a transaction in which the evaluation (and the stored response) is
 *   written too, so they commit together or not at all. A call that fails rolls back and its evaluation is
 *   stored on its own.
 * - every other call (single-statement writes, DELETE, outbound requests): the evaluation is stored first,
 *   batched with other calls' (group commit), then the handler runs on the pool. Cheapest for one statement, and
 *   a DELETE kept out of a longer transaction cannot deadlock against the authorization fan-out's locks. */

export type Method = 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';

/** The order methods are listed in (Allow headers, the document). */
export const METHOD_ORDER: readonly Method[] = ['GET', 'PUT', 'POST', 'PATCH', 'DELETE'];

/** Groups of operations on the docs page. */
export const TAGS = {
  'Webhook integrations': 'Destinations that receive audit log and authorization events.',
  Deliveries: 'Delivery history, attempts, manual retries and test events.',
  'Signing secrets': 'The whsec_ secret that signs deliveries, and its rotation.',
  'Access requests and grants': 'The grant workflow that emits audit log events.',
  'Audit log': 'Audit log events, as delivered to webhooks.',
  'Authorization events': 'One per API call, allowed or denied.',
  Caller: 'Who is calling, and which operations the policies allow them.',
  Operations: 'Health, readiness, metrics and this document; no credentials needed.',
} as const;

export type Tag = keyof typeof TAGS;

/** Response headers a route may set, described once in the document. */
export type ResponseHeader = 'ETag' | 'Location' | 'Cache-Control';

/** How a call stores its evaluation relative to its change (see above). */
export type WriteMode = 'read' | 'transaction' | 'record-first';

export function writeModeOf(r: Pick<AuthenticatedSpec<string, undefined, undefined>, 'method' | 'transaction' | 'idempotent'>, withKey: boolean): WriteMode {
  if (r.method === 'GET') return 'read';
  if (r.transaction || (r.idempotent && withKey)) return 'transaction';
  return 'record-first';
}

export interface ResponseSpec {
  description: string;
  /** The JSON body; a schema named with `.meta({ id })` becomes a component. Omit for no body. */
  schema?: z.ZodType;
  /** A body that is not JSON, e.g. `text/plain; version=0.0.4`. */
  contentType?: string;
  headers?: readonly ResponseHeader[];
}

/** The names of a path template's `{parameters}`. */
export type ParamsOf<P extends string> = P extends `${string}{${infer Name}}${infer Rest}` ? Name | ParamsOf<Rest> : never;

/** What a handler returns; the endpoint sends it once the authorization evaluation is stored. */
export interface Reply {
  status: number;
  /** Sent as JSON, unless `text` is given. */
  body?: unknown;
  /** A body sent as is, with `contentType`. */
  text?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

/** A call of an authenticated route, as its handler sees it. */
export interface Call<P extends string, Q, B> {
  params: Record<P, string>;
  query: Q;
  body: B;
  principal: Principal;
  /** The decision that allowed this call (its id is `context.authz.eval` of the call's audit events). */
  evaluation: AuthorizationEvent;
  /** Who caused the events of this call, from where. */
  readonly cause: Cause;
  /** The raw If-Match header, for routes declared with `ifMatch`. */
  ifMatch?: string;
  /**
   * Whether the response may show the secrets the route's `reveals` action guards: a Cedar decision on that
   * action for this principal. Reading it on a route that declares no `reveals` is a programming error.
   */
  readonly secrets: SecretAccess;
  /** The database: the call's transaction when it runs in one, else the pool. Enough for one statement. */
  db: Queryable;
  /** The call's transaction, for routes declared `transaction`; using it elsewhere is a programming error. */
  tx: PoolClient;
  log: Logger;
}

type Output<S> = S extends z.ZodType ? z.output<S> : undefined;

interface CommonSpec<P extends string> {
  method: Method;
  /** OpenAPI path template, e.g. `/v1/webhook-integrations/{id}`. */
  path: P;
  operationId: string;
  summary: string;
  description?: string;
  tag: Tag;
  /** Success responses by status. */
  responses: Partial<Record<200 | 201 | 202 | 204 | 503, ResponseSpec>>;
}

export interface AuthenticatedSpec<P extends string, Q extends z.ZodType | undefined, B extends z.ZodType | undefined>
  extends CommonSpec<P> {
  /** The Cedar action that decides the call. */
  action: RpcAction;
  /** The id kind of each path parameter. */
  params?: Record<ParamsOf<P>, IdKind>;
  query?: Q;
  body?: { schema: B; required: boolean; description?: string };
  ifMatch?: boolean;
  /** Accept an Idempotency-Key (POST that creates something, or whose repeat would do the work twice). */
  idempotent?: boolean;
  /** The handler needs a transaction of its own (several statements that must commit together): `call.tx`. */
  transaction?: boolean;
  /** The Cedar action that decides whether the response shows secrets (see `call.secrets`). */
  reveals?: RpcAction;
  /** Error kinds the handler itself may throw, beyond those the declaration implies (see above). */
  errors?: readonly ErrorKind[];
  handler: (call: Call<ParamsOf<P>, Output<Q>, Output<B>>) => Promise<Reply>;
}

/** A route anyone may call: no credentials, no decision (health, metrics, the document itself). */
export interface PublicSpec<P extends string> extends CommonSpec<P> {
  action: null;
  handler: (call: { db: Pool; log: Logger }) => Promise<Reply>;
}

/** A declared route, with its handler's types erased (what mount and the document work with). */
export type Route = AuthenticatedSpec<string, z.ZodType | undefined, z.ZodType | undefined> | PublicSpec<string>;

/** Declares an authenticated route; the handler's params, query and body are typed from the declaration. */
export function route<const P extends string, Q extends z.ZodType | undefined = undefined, B extends z.ZodType | undefined = undefined>(
  spec: AuthenticatedSpec<P, Q, B>,
): Route {
  return spec as unknown as Route;
}

/** Declares a public route. */
export function publicRoute<const P extends string>(spec: PublicSpec<P>): Route {
  return spec as unknown as Route;
}

/** Express's form of a path template: `{id}` becomes `:id`. */
export function expressPath(path: string): string {
  return path.replace(/\{([A-Za-z_]+)\}/g, ':$1');
}

/** Every error kind a route can answer with: those its declaration implies, and those its handler throws. */
export function errorKindsOf(r: Route): Set<ErrorKind> {
  const kinds = new Set<ErrorKind>(['method_not_allowed', 'internal']);
  if (r.action === null) return kinds;
  kinds.add('unauthenticated').add('forbidden').add('unavailable');
  if (r.params && Object.keys(r.params).length > 0) kinds.add('not_found');
  if (r.query) kinds.add('validation');
  if (r.body) kinds.add('validation').add('malformed_json').add('unsupported_media_type').add('payload_too_large');
  if (r.ifMatch) kinds.add('precondition_failed');
  if (r.idempotent) kinds.add('validation').add('request_in_progress').add('idempotency_key_reused');
  if (r.reveals) kinds.add('secrets_unreadable');
  for (const k of r.errors ?? []) kinds.add(k);
  return kinds;
}
