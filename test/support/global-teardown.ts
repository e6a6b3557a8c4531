import { rmSync } from 'node:fs';
import type { EmbeddedPostgres } from '../../api/db/embedded';

export default async function globalTeardown(): Promise<void> {
  const pg = (globalThis as Record<string, unknown>).__cfTestPostgres as EmbeddedPostgres | undefined;
  await pg?.stop();
  if (process.env.CF_TEST_PG_DATA_DIR) rmSync(process.env.CF_TEST_PG_DATA_DIR, { recursive: true, force: true });
}
