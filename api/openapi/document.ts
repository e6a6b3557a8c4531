import { z } from 'zod';
import { AUDIT_ACTIONS, idPattern } from '../../contract';
import type { ErrorKind } from '../errors';
import { ID_LABELS, type IdKind } from '../ids';
import { PROBLEM_TABLE, ProblemSchema } from '../http/problem';
import { componentSchemas, schemaOf } from './schemas';
import { webhooks } from './webhooks';
import { EVALUATION_HEADER } from '../http/endpoint';
import { IDEMPOTENCY_HEADER, REPLAYED_HEADER } from '../http/idempotency';
import { IDEMPOTENCY_TTL_HOURS } from '../idempotency/store';
import { METHOD_ORDER, TAGS, errorKindsOf, type ResponseHeader, type ResponseSpec, type Route } from '../http/route';

/**
 * OpenAPI 3.1 for the API, built from the route declarations (http/route.ts) and the very zod schemas that
 * validate requests: OpenAPI 3.1 schemas are JSON Schema 2020-12, which zod emits natively. Every schema named
 * with `.meta({ id })` is a component; anything else is inlined where it is used.
 */
type Json = Record<string, unknown>;

const HEADERS: Record<ResponseHeader | 'Allow' | 'WWW-Authenticate' | 'Retry-After' | typeof REPLAYED_HEADER | typeof EVALUATION_HEADER, Json> = {
  ETag: { description: 'The version of the resource, for If-Match.', schema: { type: 'string', examples: ['"3"'] } },
  Location: { description: 'The URL of the created resource.', schema: { type: 'string' } },
  'Cache-Control': { description: '`no-store`: the body holds a secret.', schema: { type: 'string' } },
  Allow: { description: 'The methods this path supports.', schema: { type: 'string', examples: ['GET, POST'] } },
  'WWW-Authenticate': { description: 'The scheme to authenticate with.', schema: { type: 'string' } },
  'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'string', examples: ['1'] } },
  [REPLAYED_HEADER]: {
    description: '`true` when this is the stored response of an earlier request with the same Idempotency-Key (replayed, not run again).',
    schema: { type: 'string', enum: ['true'] },
  },
  [EVALUATION_HEADER]: { description: 'The id of the stored authorization event of this call.', schema: { type: 'string', pattern: idPattern('evaluation') } },
};

/** Headers each error kind sets. */
const ERROR_HEADERS: Partial<Record<ErrorKind, Array<keyof typeof HEADERS>>> = {
  unauthenticated: ['WWW-Authenticate'],
  method_not_allowed: ['Allow'],
  forbidden: [EVALUATION_HEADER],
  request_in_progress: ['Retry-After'],
};

function headers(names: ReadonlyArray<keyof typeof HEADERS>): Json | undefined {
  return names.length ? Object.fromEntries(names.map((n) => [n, { $ref: `#/components/headers/${n}` }])) : undefined;
}

function successResponse(r: Route, spec: ResponseSpec): Json {
  const names: Array<keyof typeof HEADERS> = [
    ...(spec.headers ?? []),
    ...(r.action ? [EVALUATION_HEADER as typeof EVALUATION_HEADER] : []),
    ...(r.action && r.idempotent ? [REPLAYED_HEADER as typeof REPLAYED_HEADER] : []),
  ];
  const content = spec.schema
    ? { 'application/json': { schema: schemaOf(spec.schema) } }
    : spec.contentType
      ? { [spec.contentType]: { schema: { type: 'string' } } }
      : undefined;
  return { description: spec.description, ...(headers(names) ? { headers: headers(names) } : {}), ...(content ? { content } : {}) };
}

/** One response per error status the route can answer with; kinds sharing a status are described together. */
function errorResponses(r: Route): Record<string, Json> {
  const byStatus = new Map<number, ErrorKind[]>();
  for (const kind of errorKindsOf(r)) {
    const status = PROBLEM_TABLE[kind].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), kind]);
  }
  const out: Record<string, Json> = {};
  for (const [status, kinds] of [...byStatus].sort(([a], [b]) => a - b)) {
    const names = [...new Set(kinds.flatMap((k) => ERROR_HEADERS[k] ?? []))];
    out[String(status)] = {
      description: kinds.map((k) => `${PROBLEM_TABLE[k].title}: ${PROBLEM_TABLE[k].when}`).join(' '),
      ...(headers(names) ? { headers: headers(names) } : {}),
      content: { 'application/problem+json': { schema: schemaOf(ProblemSchema) } },
    };
  }
  return out;
}

function parameters(r: Route): Json[] {
  if (r.action === null) return [];
  const out: Json[] = [];
  for (const [name, kind] of Object.entries(r.params ?? {}) as Array<[string, IdKind]>) {
    out.push({ name, in: 'path', required: true, description: `${ID_LABELS[kind]} id.`, schema: { type: 'string', pattern: idPattern(kind) } });
  }
  if (r.query instanceof z.ZodObject) {
    for (const [name, field] of Object.entries(r.query.shape as Record<string, z.ZodType>)) {
      const schema = schemaOf(field);
      const description = schema.description;
      delete schema.description;
      out.push({ name, in: 'query', required: !field.safeParse(undefined).success, ...(description ? { description } : {}), schema });
    }
  }
  if (r.ifMatch) {
    out.push({
      name: 'If-Match',
      in: 'header',
      required: false,
      description: 'Apply the change only if the resource still has one of these ETags (412 otherwise). Without it the change applies unconditionally.',
      schema: { type: 'string' },
    });
  }
  if (r.idempotent) {
    out.push({
      name: IDEMPOTENCY_HEADER,
      in: 'header',
      required: false,
      description: `Makes a retry safe: a repeat with the same key and request (kept ${IDEMPOTENCY_TTL_HOURS} hours, per principal) replays the first successful response with \`${REPLAYED_HEADER}: true\` instead of running again; the same key with another request is 422; while the first is still running, 409. 1 to 255 visible ASCII characters, e.g. a UUID; the Structured Field form (\`"…"\`) is accepted.`,
      schema: { type: 'string', minLength: 1, maxLength: 257 },
    });
  }
  return out;
}

function operation(r: Route): Json {
  const params = parameters(r);
  return {
    operationId: r.operationId,
    summary: r.summary,
    ...(r.description ? { description: r.description } : {}),
    tags: [r.tag],
    ...(r.action === null ? { security: [] } : { 'x-cedar-action': { type: 'CF::RPC::Action', id: r.action.id, read_only: r.action.readOnly } }),
    ...(params.length ? { parameters: params } : {}),
    ...(r.action !== null && r.body
      ? {
          requestBody: {
            required: r.body.required,
            ...(r.body.description ? { description: r.body.description } : {}),
            content: { 'application/json': { schema: schemaOf(r.body.schema!) } },
          },
        }
      : {}),
    responses: {
      ...Object.fromEntries(Object.entries(r.responses).map(([status, spec]) => [status, successResponse(r, spec!)])),
      ...errorResponses(r),
    },
  };
}

/** The document for `routes`. */
export function buildOpenApiDocument(routes: readonly Route[], version: string): Json {
  const paths: Record<string, Json> = {};
  const sorted = [...routes].sort((a, b) => METHOD_ORDER.indexOf(a.method) - METHOD_ORDER.indexOf(b.method));
  for (const r of sorted) (paths[r.path] ??= {})[r.method.toLowerCase()] = operation(r);
  const used = new Set(routes.map((r) => r.tag));
  return {
    openapi: '3.1.0',
    info: {
      title: 'Common Fate control plane: webhook integrations',
      version,
      description: `Destinations that receive audit log and authorization events. Audit actions: ${AUDIT_ACTIONS.join(', ')}. Every response carries an \`X-Request-Id\`; errors are RFC 9457 problem details.`,
    },
    security: [{ bearer: [] }],
    // Webhooks are listed in their own section of /docs, so they take no tag group among the operations.
    tags: Object.entries(TAGS)
      .filter(([name]) => used.has(name as keyof typeof TAGS))
      .map(([name, description]) => ({ name, description })),
    paths,
    webhooks: webhooks(),
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API key or an OIDC access token.' } },
      headers: HEADERS,
      schemas: componentSchemas(),
    },
  };
}
