import type { Pool, PoolClient } from 'pg';

/** Anything that runs one SQL statement: the pool, or a client inside the caller's transaction. */
export type Queryable = Pool | PoolClient;
