import { useState } from 'preact/hooks';
import { asApiError, type ApiError } from './api';

export interface Action {
  /** The name of the action running now, if any (its button shows busy). */
  busy: string | undefined;
  /** Why the last action failed, until the next one starts. */
  error: ApiError | undefined;
  /** Runs `work` as `name`; resolves with its result, or undefined when it failed (then `error` says why). */
  run<T>(name: string, work: () => Promise<T>): Promise<T | undefined>;
}

/** State of the actions a view offers: one at a time, each with its busy flag and its error. */
export function useAction(): Action {
  const [busy, setBusy] = useState<string>();
  const [error, setError] = useState<ApiError>();
  return {
    busy,
    error,
    async run(name, work) {
      setBusy(name);
      setError(undefined);
      try {
        return await work();
      } catch (err) {
        setError(asApiError(err));
        return undefined;
      } finally {
        setBusy(undefined);
      }
    },
  };
}
