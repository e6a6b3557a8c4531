import { clearKey, storedKey } from './session';
import type { Problem } from './types';

/** An API answer other than 2xx, with its problem details. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly problem: Problem) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
  }
}

/** Any failure as an ApiError, so that views render one kind of error. */
export function asApiError(err: unknown): ApiError {
  return err instanceof ApiError ? err : new ApiError(0, { title: err instanceof Error ? err.message : String(err) });
}

type Listener = () => void;
const signedOutListeners = new Set<Listener>();

/** Called when the API refuses the stored key (revoked, expired): the app returns to the sign-in form. */
export function onSignedOut(listener: Listener): () => void {
  signedOutListeners.add(listener);
  return () => signedOutListeners.delete(listener);
}

/** A fresh Idempotency-Key, so that a repeated click or a retried request cannot do the work twice. */
function idempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  body?: unknown;
  /** Send an Idempotency-Key (POSTs that the API deduplicates). */
  idempotent?: boolean;
  /** Use this key instead of the stored one (signing in). */
  key?: string;
}

/** Calls the API on this origin with the Bearer key; resolves with the JSON body, rejects with an ApiError. */
export async function api<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const key = opts.key ?? storedKey();
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (key) headers.Authorization = `Bearer ${key}`;
  if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
  if (opts.idempotent) headers['Idempotency-Key'] = idempotencyKey();
  let res: Response;
  try {
    res = await fetch(path, {
      method: opts.method ?? 'GET',
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, { title: 'The API could not be reached', detail: 'Check that the service is running, then try again.' });
  }
  const text = await res.text();
  let json: unknown = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON: reported below if it was an error */
  }
  if (!res.ok) {
    if (res.status === 401 && !opts.key) {
      clearKey();
      signedOutListeners.forEach((l) => l());
    }
    throw new ApiError(res.status, (json as Problem) ?? { title: `HTTP ${res.status}` });
  }
  return json as T;
}

/** `path` with each `{name}` replaced by its URL-encoded value. */
export function pathOf(template: string, params: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? ''));
}
