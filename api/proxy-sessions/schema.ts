import { z } from 'zod';
import { pageQueryFields, pageSchema } from '../http/pagination';

/** zod schemas of proxy sessions (validate requests and generate /openapi.json). */

export const ProxySessionSchema = z
  .object({
    id: z.string().meta({ description: '`pxs_` followed by a KSUID.', example: 'pxs_2f0ChzJvrOOqchMhRmJieErz9Bl' }),
    grant_id: z.string(),
    status: z.enum(['ACTIVE', 'ENDED']),
    started_by: z.string().meta({ description: 'The principal that started it, `Type::"id"`.' }),
    started_at: z.iso.datetime({ offset: true }),
    ended_at: z.iso.datetime({ offset: true }).nullable(),
    end_reason: z
      .enum(['ended', 'grant_closed'])
      .nullable()
      .meta({ description: '`ended` when ended by request, `grant_closed` when its grant closed (revoked, force-closed or expired).' }),
  })
  .meta({ id: 'ProxySession', description: 'A session through the access proxy on an active grant.' });

export type ProxySessionView = z.infer<typeof ProxySessionSchema>;

export const ProxySessionListQuerySchema = z.strictObject({ ...pageQueryFields });

export const ProxySessionListSchema = pageSchema(ProxySessionSchema, 'ProxySessionList');
