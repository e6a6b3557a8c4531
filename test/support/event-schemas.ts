import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { ValidateFunction } from 'ajv';
import { apiRoutes } from '../../api/http/app';
import { buildOpenApiDocument } from '../../api/openapi/document';

/**
 * Validates received webhook bodies against the JSON Schemas that /openapi.json publishes in `webhooks` (the
 * document the service serves, built the same way), with Ajv for JSON Schema 2020-12 and its formats.
 */
const BASE = 'https://commonfate.invalid/openapi.json';
let validators: Record<'audit' | 'authorization' | 'test', ValidateFunction> | undefined;

function compile(): NonNullable<typeof validators> {
  const doc = buildOpenApiDocument(apiRoutes({ urlPolicy: { allowHttp: false }, version: 'test' } as never), 'test') as {
    webhooks: Record<string, { post: { requestBody: { content: { 'application/json': { schema: { $ref: string } } } } } }>;
  };
  // The document is not a schema itself; only its components are used, through $refs into it.
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ ...doc, $id: BASE });
  const of = (name: string) => {
    const ref = doc.webhooks[name].post.requestBody.content['application/json'].schema.$ref;
    const validate = ajv.getSchema(`${BASE}${ref}`);
    if (!validate) throw new Error(`no schema at ${ref}`);
    return validate;
  };
  return { audit: of('auditLogEvent'), authorization: of('authorizationEvent'), test: of('webhookTestEvent') };
}

/** The kind of a received event, by its shape: test events carry `type`, authorization events an `eval_` id. */
export function eventKind(body: Record<string, unknown>): 'audit' | 'authorization' | 'test' {
  if (body.type === 'webhook.test') return 'test';
  return String(body.id).startsWith('eval_') ? 'authorization' : 'audit';
}

/** Why `body` does not match its webhook schema, or an empty list. */
export function webhookSchemaProblems(body: Record<string, unknown>): string[] {
  validators ??= compile();
  const kind = eventKind(body);
  const validate = validators[kind];
  const label = `${kind} ${String(body.id)}`;
  if (validate(body as unknown)) return [];
  return (validate.errors ?? []).map((e) => `${label}: ${e.instancePath || '/'} ${e.message}`);
}
