import { z } from 'zod';
import { CircuitSchema } from '../delivery/schema';
import { pageQueryFields, pageSchema } from '../http/pagination';
import { AUDIT_ACTIONS, LIMITS, headerListProblems, urlProblem, type UrlPolicy } from '../../contract';

/**
 * zod schemas of the webhook integration resource. The same schemas validate requests and generate
 * /openapi.json, so the documentation cannot drift from what the API accepts.
 */

export const HeaderSchema = z
  .strictObject({
    key: z.string().meta({ description: 'HTTP header name (an RFC 9110 token). Reserved names are refused.' }),
    value: z.string().meta({ description: 'Header value; no CR, LF or NUL. Treated as a secret.' }),
  })
  .meta({ id: 'Header' });

const name = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(LIMITS.nameMaxLength, `must be at most ${LIMITS.nameMaxLength} characters`)
  .meta({ description: 'A name for people.' });

function url(policy: UrlPolicy) {
  return z
    .string()
    .superRefine((value, ctx) => {
      const problem = urlProblem(value, policy);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .meta({ description: 'Absolute https URL that receives the events (http only when CF_WEBHOOK_ALLOW_HTTP=true).', format: 'uri' });
}

const headers = z
  .array(HeaderSchema)
  .superRefine((list, ctx) => {
    for (const p of headerListProblems(list)) {
      ctx.addIssue({ code: 'custom', message: p.message, path: p.index < 0 ? [] : p.field ? [p.index, p.field] : [p.index] });
    }
  })
  .meta({ description: `Custom headers sent with every delivery, in order (at most ${LIMITS.headersMaxCount}; names unique ignoring case).` });

const filterForActions = z
  .array(z.enum(AUDIT_ACTIONS, { message: `must be one of: ${AUDIT_ACTIONS.join(', ')}` }))
  .transform((actions) => [...new Set(actions)].sort())
  .meta({ description: 'Audit log actions to send; empty sends every action. A set: order and duplicates are ignored.' });

const sendAudit = z.boolean().meta({ description: 'Send audit log events (grant lifecycle).' });
const sendAuthz = z.boolean().meta({ description: 'Send authorization events (one per API call).' });

/**
 * The body of POST and PUT: every field, optional ones defaulted. One schema per URL policy (the service has one;
 * tests run several), named for the document, which renders either the same way.
 */
const inputSchemas = new Map<boolean, ReturnType<typeof buildInputSchema>>();
export function integrationInputSchema(policy: UrlPolicy) {
  let schema = inputSchemas.get(policy.allowHttp);
  if (!schema) inputSchemas.set(policy.allowHttp, (schema = buildInputSchema(policy)));
  return schema;
}

function buildInputSchema(policy: UrlPolicy) {
  return z
    .strictObject({
      name,
      url: url(policy),
      send_audit_log_events: sendAudit.default(false),
      send_authorization_events: sendAuthz.default(false),
      headers: headers.default([]),
      filter_for_actions: filterForActions.default([]),
    })
    .meta({ id: 'WebhookIntegrationInput' });
}

/** The body of PATCH: any subset of the fields; each given field replaces the stored one. */
const patchSchemas = new Map<boolean, ReturnType<typeof buildPatchSchema>>();
export function integrationPatchSchema(policy: UrlPolicy) {
  let schema = patchSchemas.get(policy.allowHttp);
  if (!schema) patchSchemas.set(policy.allowHttp, (schema = buildPatchSchema(policy)));
  return schema;
}

function buildPatchSchema(policy: UrlPolicy) {
  return z
    .strictObject({
      name: name.optional(),
      url: url(policy).optional(),
      send_audit_log_events: sendAudit.optional(),
      send_authorization_events: sendAuthz.optional(),
      headers: headers.optional(),
      filter_for_actions: filterForActions.optional(),
    })
    .meta({ id: 'WebhookIntegrationPatch' });
}

export type IntegrationInput = z.output<ReturnType<typeof integrationInputSchema>>;
export type IntegrationPatch = z.output<ReturnType<typeof integrationPatchSchema>>;

export const IntegrationSchema = z
  .object({
    id: z.string().meta({ description: '`whk_` followed by a KSUID.', example: 'whk_2f0ChzJvrOOqchMhRmJieErz9Bl' }),
    name: z.string(),
    url: z.string(),
    send_audit_log_events: z.boolean(),
    send_authorization_events: z.boolean(),
    headers: z.array(HeaderSchema),
    filter_for_actions: z.array(z.enum(AUDIT_ACTIONS)),
    status: z.enum(['HEALTHY', 'UNHEALTHY', 'DISABLED']).meta({ description: 'Delivery health of the destination.' }),
    last_error: z.string().nullable().meta({ description: 'Why the latest delivery failed, while UNHEALTHY or DISABLED.' }),
    circuit: CircuitSchema,
    created_at: z.iso.datetime({ offset: true }),
    updated_at: z.iso.datetime({ offset: true }),
  })
  .meta({ id: 'WebhookIntegration' });

export type IntegrationView = z.infer<typeof IntegrationSchema>;

export const ListQuerySchema = z.strictObject({ ...pageQueryFields });

export const IntegrationListSchema = pageSchema(IntegrationSchema, 'WebhookIntegrationList');
