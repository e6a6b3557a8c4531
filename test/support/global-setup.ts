import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Pool } from 'pg';
import { startEmbeddedPostgres } from '../../api/db/embedded';
import { loadConfig } from '../../api/config';
import { migrate } from '../../api/db/migrate';
import { ensureEventPartitions, partitionPlan } from '../../api/retention';

/**
 * One real PostgreSQL 18 for the whole test run. A migrated template database is made once; each test file
 * copies it (CREATE DATABASE … TEMPLATE), so tests never share rows and never wait for migrations.
 */
export default async function globalSetup(): Promise<void> {
  const log = pino({ level: 'warn' });
  const dataDir = mkdtempSync(join(tmpdir(), 'cf-test-pg-'));
  const pg = await startEmbeddedPostgres(dataDir, log);
  (globalThis as Record<string, unknown>).__cfTestPostgres = pg;
  const admin = new URL(pg.url);
  admin.pathname = '/postgres';
  const adminPool = new Pool({ connectionString: admin.toString(), max: 1 });
  await adminPool.query('CREATE DATABASE cf_template');
  await adminPool.end();
  const template = new URL(pg.url);
  template.pathname = '/cf_template';
  const pool = new Pool({ connectionString: template.toString(), max: 1 });
  await migrate(pool, log);
  // The event tables' partitions a service with default settings makes at start (tests that store events
  // without a service rely on them; a test with short retention starts from an empty database instead).
  const config = loadConfig({});
  await ensureEventPartitions(
    pool,
    partitionPlan({ auditEventsMs: config.CF_RETENTION_AUDIT_EVENTS, evaluationsMs: config.CF_RETENTION_AUTHORIZATION_EVALUATIONS, sweepIntervalMs: config.CF_RETENTION_SWEEP_INTERVAL }),
  );
  await pool.end();
  process.env.CF_TEST_PG_URL = pg.url;
  process.env.CF_TEST_PG_DATA_DIR = dataDir;
}
