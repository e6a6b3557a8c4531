import { z } from 'zod';
import { CircuitSchema } from '../delivery/schema';
import { pageQueryFields, pageSchema } from '../http/pagination';
import { AUDIT_ACTIONS, LIMITS, headerListProblems, urlProblem, type UrlPolicy } from '../../contract';

/**
 * zod schemas of the webhook integration resource. The same schemas validate requests and generate
 * /openapi.json, so the documentation cannot drift from what the API accepts.
 */

const headerKey = z.string().meta({ description: 'HTTP header name (an RFC 9110 token). Reserved names are refused.' });

/** A header as a request gives it: a value, or `redacted: true` to keep the value stored for that name. */
export const HeaderInputSchema = z
  .strictObject({
    key: headerKey,
    value: z.string().optional().meta({ description: 'Header value; no CR, LF or NUL. A secret: encrypted at rest, shown only to principals who may read it.' }),
    redacted: z
      .literal(true)
      .optional()
      .meta({ description: 'Instead of `value`: keep the value stored for this name (compared ignoring case), as a redacted read shows it.' }),
  })
  .superRefine((h, ctx) => {
    if ((h.value === undefined) === (h.redacted === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'must have exactly one of value and redacted: true', path: h.value === undefined ? ['value'] : [] });
    }
  })
  .meta({ id: 'HeaderInput' });

/** A header as a response shows it to a principal who may read header values. */
export const HeaderSchema = z
  .strictObject({
    key: headerKey,
    value: z.string().meta({ description: 'Header value.' }),
  })
  .meta({ id: 'Header' });

/** A header as a response shows it to a principal who may not read header values (the `read_only` role). */
export const RedactedHeaderSchema = z
  .strictObject({
    key: headerKey,
    redacted: z.literal(true).meta({ description: 'The value exists but is not shown to this principal.' }),
  })
  .meta({ id: 'RedactedHeader' });

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
  .array(HeaderInputSchema)
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
    headers: z.array(z.union([HeaderSchema, RedactedHeaderSchema])).meta({
      description: 'Values are shown only to principals allowed to read them (admins); others see each header as `{"key": …, "redacted": true}`.',
    }),
    filter_for_actions: z.array(z.enum(AUDIT_ACTIONS)),
    status: z
      .enum(['HEALTHY', 'UNHEALTHY', 'DISABLED', 'PAUSED'])
      .meta({ description: 'Delivery health of the destination, or PAUSED while an operator holds its deliveries (POST …/pause, …/resume).' }),
    last_error: z.string().nullable().meta({ description: 'Why the latest delivery failed, while UNHEALTHY or DISABLED.' }),
    circuit: CircuitSchema,
    created_at: z.iso.datetime({ offset: true }),
    updated_at: z.iso.datetime({ offset: true }),
  })
  .meta({ id: 'WebhookIntegration' });

export type IntegrationView = z.infer<typeof IntegrationSchema>;

export const ListQuerySchema = z.strictObject({ ...pageQueryFields });

export const IntegrationListSchema = pageSchema(IntegrationSchema, 'WebhookIntegrationList');
