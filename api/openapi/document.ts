import { z } from 'zod';
import { AUDIT_ACTIONS, type UrlPolicy } from '../../contract';
import {
  HeaderSchema,
  IntegrationListSchema,
  IntegrationSchema,
  integrationInputSchema,
  integrationPatchSchema,
} from '../webhook-integrations/schema';
import { AuditEventsQuerySchema } from '../audit-events/router';
import {
  AttemptSchema,
  DeliveryDetailSchema,
  DeliveryListQuerySchema,
  DeliveryListSchema,
  DeliverySchema,
  SigningSecretSchema,
  TestResultSchema,
} from '../delivery/schema';
import { AccessRequestInputSchema, AccessRequestSchema, ExtendInputSchema, GrantSchema } from '../grants/schema';

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
  registry.add(DeliverySchema, { id: 'Delivery' });
  registry.add(DeliveryDetailSchema, { id: 'DeliveryDetail' });
  registry.add(DeliveryListSchema, { id: 'DeliveryList' });
  registry.add(AttemptSchema, { id: 'DeliveryAttempt' });
  registry.add(TestResultSchema, { id: 'TestResult' });
  registry.add(SigningSecretSchema, { id: 'SigningSecret' });
  registry.add(AccessRequestInputSchema, { id: 'AccessRequestInput' });
  registry.add(AccessRequestSchema, { id: 'AccessRequest' });
  registry.add(GrantSchema, { id: 'Grant' });
  registry.add(ExtendInputSchema, { id: 'ExtendInput' });
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
  const deliveryIdParam = { name: 'deliveryId', in: 'path', required: true, schema: { type: 'string', pattern: '^dlv_[0-9A-Za-z]{27}$' } };
  const grantIdParam = { name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^gra_[0-9A-Za-z]{27}$' } };
  /** Query parameters from a zod object schema (the one that validates them). */
  const queryParams = (schema: z.ZodObject) =>
    Object.entries(schema.shape).map(([name, field]) => {
      const json = z.toJSONSchema(field as z.ZodType, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
      delete json.$schema;
      return { name, in: 'query', required: false, schema: json };
    });
  const common = {
    '401': problem('Missing or invalid credentials.'),
    '403': problem('The policy denied the call (the denial is stored as an authorization event).'),
  };

  return withTags({
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
      '/v1/webhook-integrations/{id}/deliveries': {
        parameters: [idParam],
        get: {
          operationId: 'listWebhookDeliveries',
          description: 'Deliveries of events to this integration, newest first.',
          parameters: queryParams(DeliveryListQuerySchema),
          responses: { '200': { description: 'A page of deliveries.', content: json('DeliveryList') }, '400': problem('Bad query parameters.'), '404': problem('Not found.'), ...common },
        },
      },
      '/v1/webhook-integrations/{id}/deliveries/{deliveryId}': {
        parameters: [idParam, deliveryIdParam],
        get: {
          operationId: 'getWebhookDelivery',
          responses: { '200': { description: 'The delivery with every attempt.', content: json('DeliveryDetail') }, '404': problem('Not found.'), ...common },
        },
      },
      '/v1/webhook-integrations/{id}/deliveries/{deliveryId}/retry': {
        parameters: [idParam, deliveryIdParam],
        post: {
          operationId: 'retryWebhookDelivery',
          description: 'Queues the delivery for an attempt now (same webhook-id); its retry budget starts over.',
          responses: { '202': { description: 'Queued.', content: json('Delivery') }, '404': problem('Not found.'), '409': problem('An attempt is in flight.'), ...common },
        },
      },
      '/v1/webhook-integrations/{id}/test': {
        parameters: [idParam],
        post: {
          operationId: 'testWebhookIntegration',
          description: 'Sends a signed test event now and returns the attempt. A success makes an UNHEALTHY or DISABLED integration HEALTHY.',
          responses: { '200': { description: 'The attempt (delivered or not).', content: json('TestResult') }, '404': problem('Not found.'), ...common },
        },
      },
      '/v1/webhook-integrations/{id}/secret': {
        parameters: [idParam],
        get: {
          operationId: 'getWebhookSigningSecret',
          responses: { '200': { description: 'The signing secret.', content: json('SigningSecret') }, '404': problem('Not found.'), ...common },
        },
      },
      '/v1/webhook-integrations/{id}/secret/rotate': {
        parameters: [idParam],
        post: {
          operationId: 'rotateWebhookSigningSecret',
          description: 'Replaces the signing secret; the previous one keeps signing beside it (space-separated signatures) for 24 hours.',
          responses: { '200': { description: 'The new secret.', content: json('SigningSecret') }, '404': problem('Not found.'), ...common },
        },
      },
      '/v1/access-requests': {
        post: {
          operationId: 'createAccessRequest',
          requestBody: { required: true, content: json('AccessRequestInput') },
          responses: { '201': { description: 'The request and its PENDING grant (grant.requested).', content: json('AccessRequest') }, '400': problem('Invalid fields.'), ...common },
        },
      },
      '/v1/access-requests/{id}': {
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^req_[0-9A-Za-z]{27}$' } }],
        get: {
          operationId: 'getAccessRequest',
          responses: { '200': { description: 'The request and its grant.', content: json('AccessRequest') }, '404': problem('Not found.'), ...common },
        },
      },
      '/v1/grants/{id}': {
        parameters: [grantIdParam],
        get: { operationId: 'getGrant', responses: { '200': { description: 'The grant.', content: json('Grant') }, '404': problem('Not found.'), ...common } },
      },
      ...Object.fromEntries(
        (
          [
            ['approve', 'PENDING -> APPROVED (grant.approved).'],
            ['activate', 'APPROVED -> ACTIVE (grant.activated); the worker then provisions (grant.provisioning_attempted, grant.provisioned or grant.provisioning_error).'],
            ['extend', 'ACTIVE: moves the expiry later (grant.extended).'],
            ['cancel', 'PENDING or APPROVED -> CLOSED (grant.cancelled).'],
            ['revoke', 'ACTIVE -> CLOSED (grant.revoked); the worker then deprovisions (grant.deprovisioned or grant.deprovisioning_error).'],
          ] as const
        ).map(([command, description]) => [
          `/v1/grants/{id}/${command}`,
          {
            parameters: [grantIdParam],
            post: {
              operationId: `${command}Grant`,
              description,
              ...(command === 'extend' ? { requestBody: { required: false, content: json('ExtendInput') } } : {}),
              responses: { '200': { description: 'The grant after the change.', content: json('Grant') }, '404': problem('Not found.'), '409': problem('The grant is not in a state that allows this.'), ...common },
            },
          },
        ]),
      ),
      '/v1/audit-events': {
        get: {
          operationId: 'listAuditEvents',
          description: 'The audit log, oldest first, each event exactly as delivered to webhooks.',
          parameters: queryParams(AuditEventsQuerySchema),
          responses: { '200': { description: 'A page of audit events ({items, next_page_token}).', content: { 'application/json': { schema: { type: 'object' } } } }, '400': problem('Bad query parameters.'), ...common },
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
  });
}

/** Groups operations for the docs page by the part of the product they belong to (first matching prefix). */
const TAGS: Array<[prefix: string, tag: string, description: string]> = [
  ['/v1/webhook-integrations/{id}/deliveries', 'Deliveries', 'Delivery history, attempts and manual retries.'],
  ['/v1/webhook-integrations/{id}/test', 'Deliveries', ''],
  ['/v1/webhook-integrations/{id}/secret', 'Signing secrets', 'The whsec_ secret that signs deliveries, and its rotation.'],
  ['/v1/webhook-integrations', 'Webhook integrations', 'Destinations that receive audit log and authorization events.'],
  ['/v1/access-requests', 'Access requests and grants', 'The grant workflow that emits audit log events.'],
  ['/v1/grants', 'Access requests and grants', ''],
  ['/v1/audit-events', 'Audit log', 'Audit log events, as delivered to webhooks.'],
  ['/v1/authorization-evaluations', 'Authorization events', 'One per API call, allowed or denied.'],
];
const METHODS = ['get', 'put', 'post', 'patch', 'delete'];

function withTags(doc: Record<string, unknown>): Record<string, unknown> {
  const paths = doc.paths as Record<string, Record<string, { tags?: string[] }>>;
  for (const [path, item] of Object.entries(paths)) {
    const tag = TAGS.find(([prefix]) => path.startsWith(prefix))?.[1];
    if (!tag) continue;
    for (const method of METHODS) if (item[method]) item[method].tags = [tag];
  }
  const tags = TAGS.filter(([, , description]) => description).map(([, name, description]) => ({ name, description }));
  return { ...doc, tags };
}
