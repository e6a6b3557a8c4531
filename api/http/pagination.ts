import { z } from 'zod';
import { validationError } from '../errors';
import { isId, type IdKind } from '../ids';

/**
 * Keyset pagination shared by every list endpoint: `page_size` 1–100 (default 50) and an opaque `page_token`
 * that names the last item of the previous page. Tokens are tied to one id kind, so a token from one list
 * cannot be replayed against another.
 */
const PAGE_SIZE_MESSAGE = 'must be an integer from 1 to 100';

export const pageQueryFields = {
  page_size: z.coerce
    .number({ message: PAGE_SIZE_MESSAGE })
    .int(PAGE_SIZE_MESSAGE)
    .min(1, PAGE_SIZE_MESSAGE)
    .max(100, PAGE_SIZE_MESSAGE)
    .default(50)
    .meta({ description: 'Items per page, 1–100. Default 50.' }),
  page_token: z.string().optional().meta({ description: 'The `next_page_token` of the previous page.' }),
};

export function encodePageToken(kind: IdKind, lastId: string): string {
  return Buffer.from(JSON.stringify({ k: kind, a: lastId })).toString('base64url');
}

/** The id after which the next page starts; a token this API did not issue for `kind` is a 400 on `page_token`. */
export function decodePageToken(kind: IdKind, token: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { k?: unknown; a?: unknown };
    if (parsed.k === kind && typeof parsed.a === 'string' && isId(kind, parsed.a)) return parsed.a;
  } catch {
    /* fall through */
  }
  throw validationError([{ path: 'page_token', message: 'is not a page token this API issued' }]);
}

/** Splits a `LIMIT size + 1` result into the page and its `next_page_token`. */
export function pageOf<T>(kind: IdKind, rows: T[], size: number, idOf: (row: T) => string): { items: T[]; next_page_token?: string } {
  const items = rows.slice(0, size);
  const last = items.at(-1);
  return rows.length > size && last ? { items, next_page_token: encodePageToken(kind, idOf(last)) } : { items };
}

/** The schema of a page of `item`: `{items, next_page_token?}`, named `id` in the document. */
export function pageSchema<T extends z.ZodType>(item: T, id: string) {
  return z
    .object({
      items: z.array(item),
      next_page_token: z.string().optional().meta({ description: 'Present when more items follow.' }),
    })
    .meta({ id });
}
