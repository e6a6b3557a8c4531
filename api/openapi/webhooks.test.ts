import { Webhook } from 'standardwebhooks';
import { AUDIT_ACTIONS, STANDARD_WEBHOOK_HEADERS } from '../../contract';
import { webhookSchemaProblems } from '../../test/support/event-schemas';
import { apiRoutes } from '../http/app';
import { buildOpenApiDocument } from './document';
import { EXAMPLE_SECRET, workedExample } from './webhooks';

type Json = Record<string, any>;
const doc = buildOpenApiDocument(apiRoutes({ urlPolicy: { allowHttp: false }, version: 'test' } as never), 'test') as Json;

test('webhooks describe both event kinds (and the test event) with their schemas and the Standard Webhooks headers', () => {
  expect(Object.keys(doc.webhooks)).toEqual(['auditLogEvent', 'authorizationEvent', 'webhookTestEvent']);
  for (const hook of Object.values(doc.webhooks) as Json[]) {
    const post = hook.post;
    expect(post.parameters.map((p: Json) => [p.in, p.name, p.required])).toEqual(STANDARD_WEBHOOK_HEADERS.map((h) => ['header', h, true]));
    expect(post.requestBody.content['application/json'].schema.$ref).toMatch(/^#\/components\/schemas\//);
    expect(Object.keys(post.responses)).toEqual(['200', '410', 'default']);
  }
  const audit = doc.components.schemas.AuditLogEvent;
  expect(audit.properties.action.enum).toEqual([...AUDIT_ACTIONS]);
  expect(audit.required).toEqual(expect.arrayContaining(['id', 'targets', 'action', 'caller_identity_chain', 'actor', 'message', 'context', 'occurred_at', 'index']));
  expect(doc.components.schemas.AuthorizationEvent.properties.decision.anyOf ?? doc.components.schemas.AuthorizationEvent.properties.decision.enum).toBeDefined();
});

test('the worked examples (the seed events) match their schemas, and their signatures verify with standardwebhooks', () => {
  for (const [name, hook] of Object.entries(doc.webhooks) as Array<[string, Json]>) {
    const example = hook.post.requestBody.content['application/json'].examples.example.value;
    expect({ name, problems: webhookSchemaProblems(example) }).toEqual({ name, problems: [] });
    const headers = Object.fromEntries(hook.post.parameters.map((p: Json) => [p.name, p.example]));
    const { body } = workedExample(example, Number(headers['webhook-timestamp']));
    const expected = new Webhook(EXAMPLE_SECRET).sign(headers['webhook-id'], new Date(Number(headers['webhook-timestamp']) * 1000), body);
    expect(headers['webhook-signature']).toBe(expected);
    expect(hook.post.description).toContain(expected);
  }
});
