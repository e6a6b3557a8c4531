import { z } from 'zod';
import { AUDIT_ACTIONS, type UrlPolicy } from '../webhook-integrations/rules';
import {
  HeaderSchema,
  IntegrationListSchema,
  IntegrationSchema,
  integrationInputSchema,
  integrationPatchSchema,
} from '../webhook-integrations/schema';

/**
 * OpenAPI 3.1 for the API, built from the very zod schemas that validate requests (OpenAPI 3.1 schemas are
 * JSON Schema 2020-12, which zod emits natively).
 */
export function buildOpenApiDocument(policy: UrlPolicy, version: string): Record<string, unknown> {
  const registry = z.registry<{ id: string }>();
  registry.add(HeaderSchema, { id: 'Header' });
  registry.add(integrationInputSchema(policy), { id: 'WebhookIntegrationInput' });
  registry.add(integrationPatchSchema(policy), { id: 'WebhookIntegrationPatch' });
  registry.add(IntegrationSchema, { id: 'WebhookIntegration' });
  registry.add(IntegrationListSchema, { id: 'WebhookIntegrationList' });
  const { schemas } = z.toJSONSchema(registry, {
    target: 'draft-2020-12',
    io: 'input',
    unrepresentable: 'any',
    uri: (id) => `#/components/schemas/${id}`,
  });
  for (const s of Object.values(schemas)) delete (s as Record<string, unknown>).$schema;

  const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
  const json = (id: string) => ({ 'application/json': { schema: ref(id) } });
  const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: ref('Problem') } } });
  const etag = { ETag: { description: 'Version of the resource, for If-Match.', schema: { type: 'string' } } };
  const ifMatch = {
    name: 'If-Match',
    in: 'header',
    required: false,
    description: 'Apply the change only if the resource still has this ETag (412 otherwise).',
    schema: { type: 'string' },
  };
  const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^whk_[0-9A-Za-z]{27}$' } };
  const common = {
    '401': problem('Missing or invalid credentials.'),
    '403': problem('The policy denied the call (the denial is stored as an authorization event).'),
  };

  return {
    openapi: '3.1.0',
    info: {
      title: 'Common Fate control plane: webhook integrations',
      version,
      description: `Destinations that receive audit log and authorization events. Audit actions: ${AUDIT_ACTIONS.join(', ')}.`,
    },
    security: [{ bearer: [] }],
    paths: {
      '/v1/webhook-integrations': {
        get: {
          operationId: 'listWebhookIntegrations',
          parameters: [
            { name: 'page_size', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 50 } },
            { name: 'page_token', in: 'query', schema: { type: 'string' } },
          ],
          responses: { '200': { description: 'A page of integrations, oldest first.', content: json('WebhookIntegrationList') }, '400': problem('Bad query parameters.'), ...common },
        },
        post: {
          operationId: 'createWebhookIntegration',
          requestBody: { required: true, content: json('WebhookIntegrationInput') },
          responses: {
            '201': { description: 'Created.', headers: { ...etag, Location: { schema: { type: 'string' } } }, content: json('WebhookIntegration') },
            '400': problem('Invalid fields: every problem is listed in `errors` with its path.'),
            '415': problem('The body is not JSON.'),
            '413': problem('The body is larger than 1 MiB.'),
            ...common,
          },
        },
      },
      '/v1/webhook-integrations/{id}': {
        parameters: [idParam],
        get: {
          operationId: 'getWebhookIntegration',
          responses: { '200': { description: 'The integration.', headers: etag, content: json('WebhookIntegration') }, '404': problem('Not found.'), ...common },
        },
        put: {
          operationId: 'replaceWebhookIntegration',
          parameters: [ifMatch],
          requestBody: { required: true, content: json('WebhookIntegrationInput') },
          responses: { '200': { description: 'Replaced.', headers: etag, content: json('WebhookIntegration') }, '400': problem('Invalid fields.'), '404': problem('Not found.'), '412': problem('If-Match did not match.'), ...common },
        },
        patch: {
          operationId: 'updateWebhookIntegration',
          parameters: [ifMatch],
          requestBody: { required: true, content: json('WebhookIntegrationPatch') },
          responses: { '200': { description: 'Updated.', headers: etag, content: json('WebhookIntegration') }, '400': problem('Invalid fields.'), '404': problem('Not found.'), '412': problem('If-Match did not match.'), ...common },
        },
        delete: {
          operationId: 'deleteWebhookIntegration',
          parameters: [ifMatch],
          responses: { '204': { description: 'Deleted.' }, '404': problem('Not found.'), '412': problem('If-Match did not match.'), ...common },
        },
      },
      '/v1/authorization-evaluations/{id}': {
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^eval_[0-9A-Za-z]{27}$' } }],
        get: {
          operationId: 'getAuthorizationEvaluation',
          responses: { '200': { description: 'The authorization event, as delivered to webhooks.', content: { 'application/json': { schema: { type: 'object' } } } }, '404': problem('Not found.'), ...common },
        },
      },
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API key or an OIDC access token.' } },
      schemas: {
        ...schemas,
        Problem: {
          type: 'object',
          description: 'RFC 9457 problem details.',
          required: ['type', 'title', 'status', 'detail'],
          properties: {
            type: { type: 'string' },
            title: { type: 'string' },
            status: { type: 'integer' },
            detail: { type: 'string' },
            instance: { type: 'string' },
            request_id: { type: 'string' },
            errors: {
              type: 'array',
              items: { type: 'object', required: ['path', 'message'], properties: { path: { type: 'string' }, message: { type: 'string' } } },
            },
          },
        },
      },
    },
  };
}
