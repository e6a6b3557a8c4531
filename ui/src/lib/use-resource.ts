import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { asApiError, type ApiError } from './api';

export interface Resource<T> {
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
  /** Fetch again now (after an action); the current data stays shown meanwhile. */
  reload: () => Promise<void>;
}

/**
 * Loads `load()` when `key` changes, and again every `refreshMs` while the tab is visible (so a view of
 * deliveries follows the worker). A response that arrives after the key changed is dropped.
 */
export function useResource<T>(key: string, load: () => Promise<T>, refreshMs?: number): Resource<T> {
  const [state, setState] = useState<{ key: string; data?: T; error?: ApiError; loading: boolean }>({ key, loading: true });
  const current = useRef(key);
  current.current = key;
  const loader = useRef(load);
  loader.current = load;

  const reload = useCallback(async () => {
    const forKey = current.current;
    setState((s) => ({ ...s, loading: true }));
    try {
      const data = await loader.current();
      if (current.current === forKey) setState({ key: forKey, data, loading: false });
    } catch (err) {
      const error = asApiError(err);
      if (current.current === forKey) setState((s) => ({ key: forKey, data: s.key === forKey ? s.data : undefined, error, loading: false }));
    }
  }, []);

  useEffect(() => {
    setState({ key, loading: true });
    void reload();
    if (!refreshMs) return;
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') void reload();
    }, refreshMs);
    return () => clearInterval(timer);
  }, [key, refreshMs, reload]);

  const fresh = state.key === key;
  return { data: fresh ? state.data : undefined, error: fresh ? state.error : undefined, loading: !fresh || state.loading, reload };
}
