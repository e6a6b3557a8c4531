import { Client, Pool, type ClientConfig } from 'pg';
import { PG_ERROR } from './errors';

/** What the pool's connections report, for the database's health (./health.ts). */
export interface ConnectionEvents {
  connected(): void;
  connectFailed(err: unknown): void;
  connectionLost(err: unknown): void;
}

/** Gives an error without a code the client-side SQLSTATE `code`, so ./errors.ts can classify it. */
function withCode<T>(err: T, code: string): T {
  if (err && typeof err === 'object' && (err as { code?: unknown }).code === undefined) {
    (err as { code?: string }).code = code;
  }
  return err;
}

/**
 * The pg Client class the pool uses. It differs from pg's own in three ways, all about connections that break:
 * - it always listens for 'error': pg emits it on a client whose connection breaks even while the client is
 *   checked out, where nobody else may be listening, and an unheard 'error' would crash the process;
 * - errors pg raises without a code because the connection broke ("Connection terminated unexpectedly", "not
 *   queryable", its connect timeout) get `08006` (lost) or `08001` (could not connect);
 * - connects and lost connections are reported to `events`.
 * When a connection breaks, pg emits 'error' synchronously with the very error it fails the pending queries with
 * on the next tick, so the code is set before any caller sees it; queries sent later on the broken client fail
 * with a new, codeless error, which the query wrapper codes. A sound client's queries are not wrapped.
 */
export function outageAwareClient(events: ConnectionEvents): typeof Client {
  return class OutageAwareClient extends Client {
    private broken = false;

    constructor(config?: string | ClientConfig) {
      super(config);
      this.on('error', (err) => {
        withCode(err, PG_ERROR.connectionFailure);
        if (!this.broken) events.connectionLost(err); // pg may emit twice for one break (the FATAL, then the close)
        this.broken = true;
      });
      this.on('end', () => {
        this.broken = true;
      });
    }

    // `any`: pg overloads connect (a callback, or a promise of the client); both are passed through as they are.
    override connect(callback?: any): any {
      const failed = (err: Error) => {
        withCode(err, PG_ERROR.unableToConnect);
        events.connectFailed(err);
        return err;
      };
      if (callback) {
        super.connect((err?: Error) => {
          if (err) failed(err);
          else events.connected();
          callback(err as Error);
        });
        return undefined;
      }
      return super.connect().then(
        (client) => {
          events.connected();
          return client;
        },
        (err: Error) => {
          throw failed(err);
        },
      );
    }

    override query(...args: any[]): any {
      const query = super.query as (...a: unknown[]) => unknown;
      // Fast path: on a sound connection every error that breaks it is the one 'error' carried (coded above).
      if (!this.broken) return query.apply(this, args);
      // On a broken one pg answers "not queryable" without a code.
      const mark = (err: unknown) => withCode(err, PG_ERROR.connectionFailure);
      const last = args.length - 1;
      if (typeof args[last] === 'function') {
        const callback = args[last] as (err: unknown, res?: unknown) => void;
        args[last] = (err: unknown, res?: unknown) => callback(err ? mark(err) : err, res);
        return query.apply(this, args);
      }
      const result = query.apply(this, args);
      if (result instanceof Promise) {
        return result.catch((err: unknown) => {
          throw mark(err);
        });
      }
      return result;
    }
  };
}

/**
 * pg's Pool with the client above, whose own codeless failure — no connection became free within
 * `connectionTimeoutMillis` — gets `08001` like a connect that timed out.
 */
export class OutageAwarePool extends Pool {
  // `any`: pg overloads connect (a callback, or a promise of the client); both are passed through.
  override connect(callback?: any): any {
    if (callback) {
      super.connect((err, client, done) => callback(err ? withCode(err, PG_ERROR.unableToConnect) : err, client, done));
      return undefined;
    }
    return super.connect().catch((err: Error) => {
      throw withCode(err, PG_ERROR.unableToConnect);
    });
  }
}
