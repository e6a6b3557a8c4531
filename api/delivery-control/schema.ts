import { z } from 'zod';

const instant = (description: string) => z.iso.datetime({ offset: true, message: 'must be an RFC 3339 date-time with an offset, e.g. 2026-12-01T14:00:00Z' }).meta({ description });

export const RecoverBodySchema = z
  .strictObject({
    since: instant('Re-queue FAILED deliveries created at or after this instant.'),
    until: instant('…and before this one. Default: now.').optional(),
  })
  .meta({ id: 'RecoverDeliveriesInput' });

export const RecoverResultSchema = z
  .object({
    queued: z.int().min(0).meta({ description: 'FAILED deliveries in the window re-queued by this call (0 when they are already pending).' }),
    since: z.iso.datetime({ offset: true }),
    until: z.iso.datetime({ offset: true }),
  })
  .meta({ id: 'RecoverDeliveriesResult' });
