import { useEffect, useState } from 'preact/hooks';

/**
 * Views live in the URL's fragment (`/ui/#/integrations/whk_…`): the API serves one page at /ui/, every view is a
 * link that can be bookmarked or opened in a new tab, and the back button works.
 */
export type Route =
  | { view: 'integrations' }
  | { view: 'integration'; id: string; deliveryId?: string }
  | { view: 'audit' }
  | { view: 'evaluation'; id?: string }
  | { view: 'not-found'; path: string };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '') || '/';
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0 || (parts[0] === 'integrations' && parts.length === 1)) return { view: 'integrations' };
  if (parts[0] === 'integrations' && parts.length === 2) return { view: 'integration', id: parts[1] };
  if (parts[0] === 'integrations' && parts.length === 4 && parts[2] === 'deliveries') return { view: 'integration', id: parts[1], deliveryId: parts[3] };
  if (parts[0] === 'audit' && parts.length === 1) return { view: 'audit' };
  if (parts[0] === 'evaluations' && parts.length <= 2) return { view: 'evaluation', id: parts[1] };
  return { view: 'not-found', path };
}

/** The fragment of a view, for links: `href(…)` is `#/…`. */
export const href = {
  integrations: () => '#/integrations',
  integration: (id: string) => `#/integrations/${encodeURIComponent(id)}`,
  delivery: (id: string, deliveryId: string) => `#/integrations/${encodeURIComponent(id)}/deliveries/${encodeURIComponent(deliveryId)}`,
  audit: () => '#/audit',
  evaluation: (id?: string) => (id ? `#/evaluations/${encodeURIComponent(id)}` : '#/evaluations'),
};

export function navigate(to: string): void {
  if (location.hash !== to) location.hash = to;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
