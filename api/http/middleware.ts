import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { AppError } from '../errors';

declare module 'express-serve-static-core' {
  interface Request {
    log: Logger;
  }
}

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Gives each request an id (the caller's X-Request-Id when it is safe to echo, else a new UUID), a child logger
 * carrying it, and one access-log line when the response finishes. Only method, path, status and timing are
 * logged: never headers, query strings or bodies, which may carry secrets.
 */
export function requestContext(log: Logger): RequestHandler {
  return (req, res, next) => {
    const given = req.get('x-request-id');
    const requestId = given && SAFE_REQUEST_ID.test(given) ? given : randomUUID();
    res.locals.requestId = requestId;
    res.setHeader('X-Request-Id', requestId);
    req.log = log.child({ request_id: requestId });
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      req.log.info(
        {
          method: req.method,
          path: req.originalUrl.split('?')[0],
          status: res.statusCode,
          duration_ms: Number(process.hrtime.bigint() - started) / 1e6,
        },
        'request',
      );
    });
    next();
  };
}

export function unknownRoute(req: Request, _res: Response, next: NextFunction): void {
  next(new AppError('not_found', `There is no ${req.method} ${req.path}.`));
}
