import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { ConfigError, type Config } from '../config';
import { generateKey, Keyring, KEY_BYTES } from './keyring';

/** The file under CF_DATA_DIR holding the key generated for an embedded database. */
export const GENERATED_KEY_FILE = 'encryption.key';

export const HOW_TO_MAKE_A_KEY =
  'make one with `openssl rand -base64 32` (or `npm run cli -- secrets generate-key`) and start with CF_ENCRYPTION_KEYS=<key>; ' +
  'keep it as safe as a database password: without it the stored header values and signing secrets cannot be read';

/**
 * The keyring the service seals and opens secrets with:
 *
 * - CF_ENCRYPTION_KEYS set: those keys, the first sealing. With the embedded database, a key generated earlier
 *   into CF_DATA_DIR is added last (open only), so moving from the generated key to your own is: set the
 *   variable, run `secrets rotate`, delete the file.
 * - unset, embedded database: the key in CF_DATA_DIR/encryption.key, generated once (mode 0600) and logged.
 * - unset, DATABASE_URL: refused. A generated key would live beside this process rather than the database, and a
 *   second instance (or the next deployment) would not have it.
 */
export function resolveKeyring(config: Pick<Config, 'CF_ENCRYPTION_KEYS' | 'DATABASE_URL' | 'CF_DATA_DIR'>, log: Logger): Keyring {
  const given = config.CF_ENCRYPTION_KEYS ?? [];
  if (config.DATABASE_URL) {
    if (given.length === 0) {
      throw new ConfigError(`Invalid configuration:\n  CF_ENCRYPTION_KEYS: is required with DATABASE_URL: ${HOW_TO_MAKE_A_KEY}`);
    }
    return new Keyring(given);
  }
  const file = join(resolve(config.CF_DATA_DIR), GENERATED_KEY_FILE);
  if (given.length > 0) {
    const generated = existsSync(file) ? readKeyFile(file) : undefined;
    return new Keyring(generated ? [...given, generated] : given);
  }
  if (existsSync(file)) return new Keyring([readKeyFile(file)]);
  mkdirSync(resolve(config.CF_DATA_DIR), { recursive: true });
  // `wx`: if another process wrote it first, use theirs rather than overwrite a key that may already seal data.
  try {
    writeFileSync(file, `${generateKey()}\n`, { mode: 0o600, flag: 'wx' });
    chmodSync(file, 0o600);
    log.warn(
      { file },
      'generated an encryption key for header values and signing secrets (CF_ENCRYPTION_KEYS is unset); back it up with the data directory, or set CF_ENCRYPTION_KEYS to your own key and run `npm run cli -- secrets rotate`',
    );
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return new Keyring([readKeyFile(file)]);
}

function readKeyFile(file: string): Buffer {
  const mode = statSync(file).mode & 0o777;
  if (mode & 0o077) {
    throw new ConfigError(`${file} is readable by other users (mode ${mode.toString(8)}); run \`chmod 600 ${file}\``);
  }
  const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  if (key.length !== KEY_BYTES) throw new ConfigError(`${file} does not hold the base64 of a ${KEY_BYTES}-byte key; restore it from a backup`);
  return key;
}
