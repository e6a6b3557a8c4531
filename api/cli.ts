import { parseArgs } from 'node:util';
import pino from 'pino';
import { createApiKey, listApiKeys, revokeApiKey, type Role } from './auth/api-keys';
import { ConfigError, loadConfig } from './config';
import { connectDatabase } from './db/client';
import { runningEmbeddedUrl, startEmbeddedPostgres } from './db/embedded';
import { migrate } from './db/migrate';

const USAGE = `Usage: npm run cli -- <command>

Commands:
  api-keys create --name <name> --role <admin|read_only>   Create a key; its secret is printed once.
  api-keys list                                            List keys (never their secrets).
  api-keys revoke <key id>                                 Revoke a key (effective within seconds).

Uses DATABASE_URL, or the embedded database in CF_DATA_DIR (default .data/) — the running service's, or
started for the duration of the command.`;

/** Connects to the service's database: DATABASE_URL, the running embedded one, or a temporarily started one. */
async function openDatabase() {
  const config = loadConfig();
  const log = pino({ level: 'warn' }, pino.destination(2));
  let url = config.DATABASE_URL ?? runningEmbeddedUrl(config.CF_DATA_DIR);
  let stopEmbedded: (() => Promise<void>) | undefined;
  if (!url) {
    const embedded = await startEmbeddedPostgres(config.CF_DATA_DIR, log);
    url = embedded.url;
    stopEmbedded = () => embedded.stop();
  }
  const db = connectDatabase(url, 2);
  await migrate(db.pool, log);
  return {
    pool: db.pool,
    close: async () => {
      await db.close();
      await stopEmbedded?.();
    },
  };
}

async function main(argv: string[]): Promise<number> {
  const [group, command, ...rest] = argv;
  if (group !== 'api-keys' || !command) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parseArgs({
    args: rest,
    options: { name: { type: 'string' }, role: { type: 'string' }, json: { type: 'boolean' } },
    allowPositionals: true,
  });
  if (command === 'create') {
    if (!values.name || (values.role !== 'admin' && values.role !== 'read_only')) {
      process.stderr.write('api-keys create needs --name <name> and --role admin|read_only\n');
      return 2;
    }
  } else if (command === 'revoke' && positionals.length !== 1) {
    process.stderr.write('api-keys revoke needs the key id (see api-keys list)\n');
    return 2;
  } else if (command !== 'list' && command !== 'revoke' && command !== 'create') {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }

  const db = await openDatabase();
  try {
    switch (command) {
      case 'create': {
        const { key, secret } = await createApiKey(db.pool, { name: values.name!, role: values.role as Role });
        if (values.json) process.stdout.write(`${JSON.stringify({ id: key.id, name: key.name, role: key.role, secret })}\n`);
        else {
          process.stdout.write(`Created ${key.role} key ${key.id} (${key.name}).\n`);
          process.stdout.write(`Secret (shown once, store it now): ${secret}\n`);
          process.stdout.write(`Use it as: Authorization: Bearer <secret>\n`);
        }
        return 0;
      }
      case 'list': {
        const keys = await listApiKeys(db.pool);
        if (values.json) process.stdout.write(`${JSON.stringify(keys)}\n`);
        else
          for (const k of keys) {
            const state = k.revoked_at ? `revoked ${k.revoked_at.toISOString()}` : 'active';
            process.stdout.write(`${k.id}\t${k.role}\t${k.prefix}…\t${state}\t${k.name}\n`);
          }
        return 0;
      }
      case 'revoke': {
        const done = await revokeApiKey(db.pool, positionals[0]);
        process.stdout.write(done ? `Revoked ${positionals[0]}.\n` : `No active key ${positionals[0]}.\n`);
        return done ? 0 : 1;
      }
    }
    return 2;
  } finally {
    await db.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(err instanceof ConfigError ? `${err.message}\n` : `error: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
