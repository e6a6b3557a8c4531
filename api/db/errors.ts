/**
 * The ONE place that maps database and driver errors to what they mean, by code — never by message text, which
 * changes between versions and locales.
 *
 * Three code spaces meet here:
 * - SQLSTATEs from PostgreSQL (`23505`, `57P01`, …), on pg's DatabaseError as `code`;
 * - Node's system error codes (`ECONNREFUSED`, …) from the socket under a pg connection;
 * - Prisma's codes (`P1001`, …) and its driver adapter's kinds (`DatabaseNotReachable`, …), carrying the pg
 *   error they came from.
 * pg itself throws a few connection failures without any code ("Connection terminated unexpectedly", its
 * connect timeout): the pool in ./client.ts gives those the standard client-side SQLSTATEs `08001` (could not
 * connect) and `08006` (connection lost), as libpq and JDBC report them, so that they too are classified here.
 */

/** SQLSTATEs the service reacts to. */
export const PG_ERROR = {
  uniqueViolation: '23505',
  serializationFailure: '40001',
  deadlockDetected: '40P01',
  tooManyConnections: '53300',
  /** The server is shutting down (fast shutdown, or a backend outliving its postmaster). */
  adminShutdown: '57P01',
  /** Another server process crashed; the server is reinitialising. */
  crashShutdown: '57P02',
  /** The server is starting up or in crash recovery. */
  cannotConnectNow: '57P03',
  /** Client side: a connection could not be established (set by ./client.ts where pg gives no code). */
  unableToConnect: '08001',
  /** Client side: an established connection was lost (set by ./client.ts where pg gives no code). */
  connectionFailure: '08006',
} as const;

/** Prisma error codes the service reacts to. */
export const PRISMA_ERROR = {
  /** An update or delete found no row matching its `where`. */
  recordNotFound: 'P2025',
  cannotReachServer: 'P1001',
  serverTimedOut: 'P1002',
  operationTimedOut: 'P1008',
  connectionClosed: 'P1017',
  poolTimeout: 'P2024',
} as const;

/** Socket errors that mean the database server cannot be reached right now (on a database connection). */
const UNREACHABLE_SOCKET_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** SQLSTATEs outside class 08 that mean "the server cannot serve you now, try again shortly". */
const UNAVAILABLE_SQLSTATES: ReadonlySet<string> = new Set([
  PG_ERROR.adminShutdown,
  PG_ERROR.crashShutdown,
  PG_ERROR.cannotConnectNow,
  PG_ERROR.tooManyConnections,
]);

const UNAVAILABLE_PRISMA_CODES: ReadonlySet<string> = new Set([
  PRISMA_ERROR.cannotReachServer,
  PRISMA_ERROR.serverTimedOut,
  PRISMA_ERROR.operationTimedOut,
  PRISMA_ERROR.connectionClosed,
  PRISMA_ERROR.poolTimeout,
]);

/** Kinds of @prisma/adapter-pg's DriverAdapterError that are connection failures. */
const UNAVAILABLE_ADAPTER_KINDS: ReadonlySet<string> = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
]);

const SQLSTATE = /^[0-9A-Z]{5}$/;

/**
 * Every code an error carries, outermost first: its own `code`, the errors it wraps (`cause`, an
 * AggregateError's `errors`) and what Prisma's driver adapter kept of the pg error (`originalCode`, `kind`).
 */
export function errorCodes(err: unknown): string[] {
  const codes: string[] = [];
  const seen = new Set<unknown>();
  const visit = (e: unknown, depth: number) => {
    if (!e || typeof e !== 'object' || seen.has(e) || depth > 6) return;
    seen.add(e);
    const x = e as { name?: unknown; code?: unknown; cause?: unknown; errors?: unknown; meta?: { driverAdapterError?: unknown } };
    if (typeof x.code === 'string' && x.code) codes.push(x.code);
    // @prisma/adapter-pg's DriverAdapterError: `cause` is a plain description, { kind, originalCode?, code? }.
    if (x.name === 'DriverAdapterError' && x.cause && typeof x.cause === 'object') {
      const d = x.cause as { kind?: unknown; originalCode?: unknown; code?: unknown };
      for (const c of [d.originalCode, d.code, d.kind]) if (typeof c === 'string' && c && c !== 'N/A') codes.push(c);
    } else visit(x.cause, depth + 1);
    visit(x.meta?.driverAdapterError, depth + 1);
    if (Array.isArray(x.errors)) for (const inner of x.errors) visit(inner, depth + 1);
  };
  visit(err, 0);
  return codes;
}

/** The SQLSTATE of a Postgres error (through Prisma's wrapping too), or undefined. */
export function sqlState(err: unknown): string | undefined {
  return errorCodes(err).find((c) => SQLSTATE.test(c));
}

/**
 * Whether `err` means the database cannot be used right now — refused or reset connections, SQLSTATE class 08,
 * 57P01–57P03 (shutdown, crash, start-up or recovery), too many connections, Prisma's connection failures — so
 * the caller should answer 503 and try again later rather than report a bug.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  return errorCodes(err).some(
    (c) =>
      (SQLSTATE.test(c) && (c.startsWith('08') || UNAVAILABLE_SQLSTATES.has(c))) ||
      UNREACHABLE_SOCKET_CODES.has(c) ||
      UNAVAILABLE_PRISMA_CODES.has(c) ||
      UNAVAILABLE_ADAPTER_KINDS.has(c),
  );
}

/** Whether `err` is Prisma's "no record matched" (an update or delete conditional on a row that is gone). */
export function isRecordNotFound(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === PRISMA_ERROR.recordNotFound;
}

/** The first code worth logging for an operator (`57P01`, `ECONNREFUSED`, …), or undefined. */
export function primaryCode(err: unknown): string | undefined {
  return errorCodes(err)[0];
}
