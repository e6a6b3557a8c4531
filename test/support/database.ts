import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';

function serverUrl(database: string): string {
  const base = process.env.CF_TEST_PG_URL;
  if (!base) throw new Error('CF_TEST_PG_URL is unset: run tests through jest (test/support/global-setup.ts)');
  const url = new URL(base);
  url.pathname = `/${database}`;
  return url.toString();
}

/** A fresh, fully migrated database of its own for one test file (a copy of the migrated template). */
export async function createTestDatabase(): Promise<string> {
  const name = `cf_test_${randomBytes(6).toString('hex')}`;
  const admin = new Pool({ connectionString: serverUrl('postgres'), max: 1 });
  try {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE cf_template`);
  } finally {
    await admin.end();
  }
  return serverUrl(name);
}

/** A database with nothing in it (for migration tests). */
export async function createEmptyDatabase(): Promise<string> {
  const name = `cf_empty_${randomBytes(6).toString('hex')}`;
  const admin = new Pool({ connectionString: serverUrl('postgres'), max: 1 });
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return serverUrl(name);
}
