import pino from 'pino';
import { Pool } from 'pg';
import { schemaDrift } from '../api/db/drift';
import { migrate, listMigrations } from '../api/db/migrate';
import { createEmptyDatabase } from './support/database';

/** The migrations in prisma/migrations must build exactly the database schema.prisma describes. */
describe('schema drift', () => {
  let pool: Pool;
  beforeAll(async () => {
    pool = new Pool({ connectionString: await createEmptyDatabase(), max: 2 });
    const applied = await migrate(pool, pino({ level: 'silent' }));
    expect(applied).toEqual(listMigrations().map((m) => m.name));
  });
  afterAll(() => pool.end());

  test('a database migrated from empty matches schema.prisma', async () => {
    expect(await schemaDrift(pool)).toEqual([]);
  });

  test('migrating again applies nothing', async () => {
    expect(await migrate(pool, pino({ level: 'silent' }))).toEqual([]);
  });

  test('the check notices a change made without a migration', async () => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('ALTER TABLE webhook_integrations ADD COLUMN colour text');
      await client.query('ALTER TABLE api_keys ALTER COLUMN name DROP NOT NULL');
      await client.query('CREATE TABLE stray (id int PRIMARY KEY)');
      await client.query('DROP INDEX authorization_evaluations_evaluated_at_idx');
      const problems = await schemaDrift(client as unknown as Pool);
      expect(problems).toEqual(
        expect.arrayContaining([
          'column webhook_integrations.colour exists in the database but not in schema.prisma',
          'column api_keys.name is nullable, schema.prisma expects NOT NULL',
          'table stray exists in the database but not in schema.prisma',
          'normal index on authorization_evaluations(evaluated_at) is missing',
        ]),
      );
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });

  test('an edited migration is refused', async () => {
    await pool.query(`UPDATE "_prisma_migrations" SET checksum = 'edited' WHERE migration_name = $1`, [listMigrations()[0].name]);
    try {
      await expect(migrate(pool, pino({ level: 'silent' }))).rejects.toThrow(/edited after it was applied/);
    } finally {
      await pool.query(`UPDATE "_prisma_migrations" SET checksum = $2 WHERE migration_name = $1`, [listMigrations()[0].name, listMigrations()[0].checksum]);
    }
  });
});
