import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Caller } from './types';

/**
 * What the signed-in principal may do, as the API's policies answered it (GET /v1/caller). Views ask this before
 * showing an action; the API still decides each call. An operation this build of the API does not serve is
 * absent, so it is neither shown nor offered.
 */
export const CallerContext = createContext<Caller | null>(null);

export function useCaller(): Caller {
  const caller = useContext(CallerContext);
  if (!caller) throw new Error('useCaller outside a signed-in view');
  return caller;
}

/** Whether the caller may call `METHOD path-template`, e.g. `can('POST', '/v1/webhook-integrations/{id}/pause')`. */
export function useCan(): (method: string, path: string) => boolean {
  const caller = useCaller();
  return (method, path) => caller.operations.some((o) => o.method === method && o.path === path && o.allowed);
}
