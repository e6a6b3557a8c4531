// Prisma CLI configuration. The CLI downloads a native schema engine unless PRISMA_SCHEMA_ENGINE_BINARY names
// an executable; these machines cannot reach that download, and `prisma generate` never runs the engine, so
// point it at an existing harmless binary. Migrations are applied by api/db/migrate.ts, not by the CLI.
import { defineConfig } from 'prisma/config';

process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= '/bin/false';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://localhost/unused' },
});
