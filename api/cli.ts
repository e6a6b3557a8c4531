import { parseArgs } from 'node:util';
import pino from 'pino';
import { createApiKey, listApiKeys, revokeApiKey, type Role } from './auth/api-keys';
import { ConfigError, loadConfig } from './config';
import { connectDatabase } from './db/client';
import { runningEmbeddedUrl, startEmbeddedPostgres } from './db/embedded';
import { migrate } from './db/migrate';
import { resolveKeyring } from './secrets/keys';
import { generateKey } from './secrets/keyring';
import { resealAll } from './secrets/reseal';
import { SEALED_TABLES } from './secrets/tables';

const USAGE = `Usage: npm run cli -- <command>

Commands:
  api-keys create --name <name> --role <admin|read_only>   Create a key; its secret is printed once.
  api-keys list                                            List keys (never their secrets).
  api-keys revoke <key id>                                 Revoke a key (effective within seconds).
  secrets generate-key                                     Print a new key for CF_ENCRYPTION_KEYS.
  secrets status                                           The configured keys' ids, and how many stored values each seals.
  secrets rotate [--batch-size <n>]                        Re-encrypt every stored secret under the first key of
                                                           CF_ENCRYPTION_KEYS, in batches, beside a running service.

Uses DATABASE_URL, or the embedded database in CF_DATA_DIR (default .data/) — the running service's, or
started for the duration of the command.`;

/** Connects to the service's database: DATABASE_URL, the running embedded one, or a temporarily started one. */
async function openDatabase() {
  const config = loadConfig();
  const log = pino({ level: 'warn' }, pino.destination(2));
  const keyring = () => resolveKeyring(config, log);
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
    keyring,
    close: async () => {
      await db.close();
      await stopEmbedded?.();
    },
  };
}

async function main(argv: string[]): Promise<number> {
  const [group, command, ...rest] = argv;
  if (group === 'secrets') return secrets(command, rest);
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

/** `secrets …`: keys and the re-encryption of what is stored (secrets/reseal.ts). */
async function secrets(command: string | undefined, rest: string[]): Promise<number> {
  if (command === 'generate-key') {
    process.stdout.write(`${generateKey()}\n`);
    return 0;
  }
  if (command !== 'rotate' && command !== 'status') {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const { values } = parseArgs({ args: rest, options: { 'batch-size': { type: 'string' } } });
  const batchSize = values['batch-size'] === undefined ? 200 : Number(values['batch-size']);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
    process.stderr.write('--batch-size must be a whole number from 1 to 10000\n');
    return 2;
  }
  const db = await openDatabase();
  try {
    const keyring = db.keyring();
    if (command === 'status') {
      keyring.keys.forEach((k, i) => process.stdout.write(`key ${k.id}${i === 0 ? ' (encrypts new values)' : ''}\n`));
      for (const table of SEALED_TABLES) {
        const census = await table.census(db.pool);
        const parts = Object.entries(census).map(([kid, n]) => `${n} ${kid === 'plaintext' ? 'in plain text' : `under ${kid}${keyring.hasKey(kid) ? '' : ' (NOT CONFIGURED)'}`}`);
        process.stdout.write(`${table.name}: ${parts.length > 0 ? parts.join(', ') : 'no values'}\n`);
      }
      return 0;
    }
    process.stdout.write(`Re-encrypting every stored secret under key ${keyring.primaryId}, ${batchSize} rows per transaction…\n`);
    const counts = await resealAll(db.pool, keyring, 'rotate', SEALED_TABLES, {
      batchSize,
      onProgress: (table, n) => process.stdout.write(`  ${table}: ${n} re-encrypted\n`),
    });
    for (const [table, n] of Object.entries(counts)) process.stdout.write(`${table}: ${n} rows re-encrypted\n`);
    process.stdout.write(`Done: every stored secret is encrypted under ${keyring.primaryId}; other keys may now be removed from CF_ENCRYPTION_KEYS.\n`);
    return 0;
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
