import { z } from 'zod';

/** zod schemas of access requests and grants (validate requests and generate /openapi.json). */

const EntityRefSchema = z.strictObject({
  type: z.string().trim().min(1, 'must not be empty').max(256, 'must be at most 256 characters'),
  id: z.string().trim().min(1, 'must not be empty').max(2048, 'must be at most 2048 characters'),
}).meta({ id: 'EntityRef', description: 'A Cedar-style entity reference.' });

/** Longest grant: 30 days. */
const MAX_DURATION_SECONDS = 30 * 24 * 60 * 60;

const durationSeconds = z
  .number({ message: `must be a whole number of seconds from 1 to ${MAX_DURATION_SECONDS}` })
  .int(`must be a whole number of seconds from 1 to ${MAX_DURATION_SECONDS}`)
  .min(1, `must be a whole number of seconds from 1 to ${MAX_DURATION_SECONDS}`)
  .max(MAX_DURATION_SECONDS, `must be a whole number of seconds from 1 to ${MAX_DURATION_SECONDS}`);

export const AccessRequestInputSchema = z.strictObject({
  entitlement: z.strictObject({
    target: EntityRefSchema.meta({ description: 'What access is to, e.g. {"type":"AWS::Account","id":"450666865322"}.' }),
    role: EntityRefSchema.meta({ description: 'The role on the target, e.g. {"type":"AWS::IDC::PermissionSet","id":"arn:…"}.' }),
  }),
  justification: z.string().trim().min(1, 'must not be empty').max(4096, 'must be at most 4096 characters'),
  duration_seconds: durationSeconds.meta({ description: 'How long access lasts once activated, in seconds.' }),
}).meta({ id: 'AccessRequestInput' });

export type AccessRequestInput = z.output<typeof AccessRequestInputSchema>;

export const ExtendInputSchema = z.strictObject({
  duration_seconds: durationSeconds
    .optional()
    .meta({ description: "Seconds added to the grant's expiry. Default: the grant's requested duration." }),
}).meta({ id: 'ExtendInput' });

export const GrantSchema = z.object({
  id: z.string().meta({ example: 'gra_2f0ChywPOnsskEl3bEaF5RXhA8Z' }),
  request_id: z.string(),
  target: EntityRefSchema,
  role: EntityRefSchema,
  status: z.enum(['PENDING', 'APPROVED', 'ACTIVE', 'CLOSED']),
  provisioning: z.enum(['NONE', 'PENDING', 'PROVISIONED', 'ERROR', 'DEPROVISION_PENDING', 'DEPROVISIONED', 'DEPROVISIONING_ERROR']),
  duration_seconds: z.number().int(),
  activated_at: z.iso.datetime({ offset: true }).nullable(),
  expires_at: z.iso.datetime({ offset: true }).nullable(),
  closed_reason: z.enum(['cancelled', 'revoked', 'expired', 'force_closed']).nullable(),
  breakglass: z.boolean().meta({ description: 'Activated by breakglass, without approval.' }),
  last_error: z.string().nullable(),
  created_at: z.iso.datetime({ offset: true }),
  updated_at: z.iso.datetime({ offset: true }),
}).meta({ id: 'Grant' });

export type GrantView = z.infer<typeof GrantSchema>;

export const AccessRequestSchema = z.object({
  id: z.string().meta({ example: 'req_2f0Cia6Sq4WeSIYJo4QiQr82kgg' }),
  requested_by: z.string(),
  justification: z.string(),
  duration_seconds: z.number().int(),
  created_at: z.iso.datetime({ offset: true }),
  grant: GrantSchema,
}).meta({ id: 'AccessRequest' });

export type AccessRequestView = z.infer<typeof AccessRequestSchema>;
