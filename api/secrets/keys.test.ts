import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { ConfigError, loadConfig } from '../config';
import { generateKey, keyIdOf } from './keyring';
import { GENERATED_KEY_FILE, resolveKeyring } from './keys';

/** A logger that keeps what it is told, to check what the service says about keys (and that it never says one). */
function recordingLog() {
  const lines: string[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
  return { log, lines };
}

const dirs: string[] = [];
const dataDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'cf-keys-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('CF_ENCRYPTION_KEYS', () => {
  test('parses comma-separated base64 keys, first one first', () => {
    const [a, b] = [generateKey(), generateKey()];
    const config = loadConfig({ CF_ENCRYPTION_KEYS: ` ${a} , ${b}`, DATABASE_URL: 'postgresql://x@127.0.0.1/db' });
    const ring = resolveKeyring(config, pino({ level: 'silent' }));
    expect(ring.keys.map((k) => k.id)).toEqual([keyIdOf(Buffer.from(a, 'base64')), keyIdOf(Buffer.from(b, 'base64'))]);
  });

  test('an entry that is not 32 bytes of base64 stops start-up, naming the variable and the entry, never its text', () => {
    const bad = 'c2hvcnQta2V5'; // "short-key"
    let message = '';
    try {
      loadConfig({ CF_ENCRYPTION_KEYS: `${generateKey()},${bad}` });
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      message = (err as Error).message;
    }
    expect(message).toMatch(/CF_ENCRYPTION_KEYS: entry 2 is not the base64 of 32 bytes/);
    expect(message).toContain('openssl rand -base64 32');
    expect(message).not.toContain(bad);
  });

  test('DATABASE_URL without a key refuses to start and says how to make one', () => {
    const config = loadConfig({ DATABASE_URL: 'postgresql://x@127.0.0.1/db' });
    expect(() => resolveKeyring(config, pino({ level: 'silent' }))).toThrow(ConfigError);
    expect(() => resolveKeyring(config, pino({ level: 'silent' }))).toThrow(/CF_ENCRYPTION_KEYS: is required with DATABASE_URL: make one with `openssl rand -base64 32`/);
  });

  test('the embedded database without a key: one is generated once into CF_DATA_DIR, mode 0600, and the log says so', () => {
    const dir = dataDir();
    const first = recordingLog();
    const ring = resolveKeyring(loadConfig({ CF_DATA_DIR: dir }), first.log);
    const file = join(dir, GENERATED_KEY_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const key = readFileSync(file, 'utf8').trim();
    expect(ring.primaryId).toBe(keyIdOf(Buffer.from(key, 'base64')));
    expect(first.lines.join('')).toMatch(/generated an encryption key/);
    expect(first.lines.join('')).not.toContain(key);

    const again = recordingLog();
    expect(resolveKeyring(loadConfig({ CF_DATA_DIR: dir }), again.log).primaryId).toBe(ring.primaryId);
    expect(again.lines).toEqual([]);
  });

  test('with the embedded database, a generated key keeps opening values after CF_ENCRYPTION_KEYS is set', () => {
    const dir = dataDir();
    const generated = resolveKeyring(loadConfig({ CF_DATA_DIR: dir }), pino({ level: 'silent' }));
    const own = generateKey();
    const ring = resolveKeyring(loadConfig({ CF_DATA_DIR: dir, CF_ENCRYPTION_KEYS: own }), pino({ level: 'silent' }));
    expect(ring.primaryId).toBe(keyIdOf(Buffer.from(own, 'base64')));
    expect(ring.hasKey(generated.primaryId)).toBe(true);
  });

  test('a generated key file others can read is refused', () => {
    const dir = dataDir();
    resolveKeyring(loadConfig({ CF_DATA_DIR: dir }), pino({ level: 'silent' }));
    chmodSync(join(dir, GENERATED_KEY_FILE), 0o644);
    expect(() => resolveKeyring(loadConfig({ CF_DATA_DIR: dir }), pino({ level: 'silent' }))).toThrow(/chmod 600/);
  });
});
