import express, { type Express, type RequestHandler } from 'express';
import { AppError } from '../errors';
import { endpoint, type Runtime } from './endpoint';
import { METHOD_ORDER, expressPath, type Method, type Route } from './route';

const JSON_TYPES = ['application/json', 'application/*+json'];

/** A request with a body must send it as JSON; anything else is 415 before parsing. */
export const requireJsonBody: RequestHandler = (req, _res, next) => {
  const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  if (hasBody && !req.is(JSON_TYPES)) {
    return next(new AppError('unsupported_media_type', 'Send the request body as JSON with Content-Type: application/json.'));
  }
  next();
};

const parseJson = express.json({ limit: '1mb', type: JSON_TYPES, strict: false });

function methodNotAllowed(allowed: readonly Method[]): RequestHandler {
  return (req, _res, next) =>
    next(
      new AppError('method_not_allowed', `${req.method} is not supported here; use ${allowed.join(', ')}.`, undefined, {
        Allow: allowed.join(', '),
      }),
    );
}

/**
 * Mounts declared routes directly on the app (no nested routers, so the app's own route table lists every
 * path): per path, each declared method, then 405 with `Allow` for any other. Only routes that declare a body
 * parse one.
 */
export function mountRoutes(app: Express, routes: readonly Route[], runtime: Runtime): void {
  const byPath = new Map<string, Route[]>();
  for (const r of routes) {
    const same = byPath.get(r.path) ?? [];
    if (same.some((o) => o.method === r.method)) throw new Error(`${r.method} ${r.path} is declared twice`);
    byPath.set(r.path, [...same, r]);
  }
  for (const [path, declared] of byPath) {
    const chain = app.route(expressPath(path));
    const sorted = [...declared].sort((a, b) => METHOD_ORDER.indexOf(a.method) - METHOD_ORDER.indexOf(b.method));
    for (const r of sorted) {
      const handlers: RequestHandler[] = r.action !== null && r.body ? [requireJsonBody, parseJson] : [];
      chain[r.method.toLowerCase() as 'get'](...handlers, endpoint(r, runtime));
    }
    chain.all(methodNotAllowed(sorted.map((r) => r.method)));
  }
}
