import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import pino from 'pino';
import { createApiKey } from '../../api/auth/api-keys';
import { loadConfig } from '../../api/config';
import type { Database } from '../../api/db/client';
import type { Keyring } from '../../api/secrets/keyring';
import { startService } from '../../api/service';
import { createTestDatabase } from './database';
import { TEST_ENCRYPTION_KEY } from './encryption';

export interface TestService {
  baseUrl: string;
  /** Admin API key. */
  apiKey: string;
  readOnlyApiKey: string;
  databaseUrl: string;
  db: Database;
  /** The service's encryption keys (to check what is stored). */
  keyring: Keyring;
  /** Resolves once the values stored in plain text before the service started are sealed. */
  sealed: Promise<Record<string, number>>;
  stop(): Promise<void>;
}

const ROOT = resolve(__dirname, '../..');

/** Settings every test service gets unless the test overrides them. */
function baseEnv(databaseUrl: string, apiKey: string): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    PORT: '0',
    HOST: '127.0.0.1',
    CF_BOOTSTRAP_API_KEY: apiKey,
    CF_WEBHOOK_ALLOW_HTTP: 'true',
    LOG_LEVEL: process.env.CF_TEST_LOG_LEVEL ?? 'silent',
    ...(databaseUrl ? { CF_ENCRYPTION_KEYS: TEST_ENCRYPTION_KEY } : {}),
  };
}

/** The real service, in this process, on a random port, over a database of its own. */
export async function startTestService(opts: { env?: Record<string, string>; databaseUrl?: string } = {}): Promise<TestService> {
  const databaseUrl = opts.databaseUrl ?? (await createTestDatabase());
  const apiKey = `test-admin-${randomBytes(16).toString('hex')}`;
  const env = { ...baseEnv(databaseUrl, apiKey), ...opts.env };
  const config = loadConfig(env);
  const service = await startService(config, pino({ level: env.LOG_LEVEL }));
  const { secret: readOnlyApiKey } = await createApiKey(service.db.pool, { name: 'test-read-only', role: 'read_only' });
  return { baseUrl: service.url!, apiKey, readOnlyApiKey, databaseUrl, db: service.db, keyring: service.keyring, sealed: service.sealed, stop: () => service.stop() };
}

export interface ServiceProcess {
  baseUrl: string;
  apiKey: string;
  child: ChildProcess;
  /** Everything the process wrote (stdout and stderr). */
  output(): string;
  /** Sends a signal and resolves with the exit code once the process has exited. */
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

/** The real service as a child process (`npm start`'s entry point), for restart and crash tests. */
export async function startServiceProcess(opts: { env: Record<string, string>; apiKey?: string }): Promise<ServiceProcess> {
  const apiKey = opts.apiKey ?? `test-admin-${randomBytes(16).toString('hex')}`;
  const env: NodeJS.ProcessEnv = { ...process.env, ...baseEnv(opts.env.DATABASE_URL ?? '', apiKey), LOG_LEVEL: 'info', ...opts.env };
  if (!env.DATABASE_URL) delete env.DATABASE_URL;
  const child = spawn(process.execPath, ['--import', 'tsx', resolve(ROOT, 'api/main.ts')], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((r) => child.once('close', (code) => r(code)));
  const baseUrl = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`service did not start in 60 s:\n${output}`)), 60_000);
    const onData = () => {
      // The API, or with CF_ROLE=worker the operations listener (/healthz, /readyz, /metrics).
      const m = /"url":"(http:\/\/[^"]+)"[^\n]*"msg":"(API|operations listener[^"]*) listening"/.exec(output);
      if (m) {
        clearTimeout(timer);
        ok(m[1]);
      }
    };
    child.stdout!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      fail(new Error(`service exited with ${code} before listening:\n${output}`));
    });
  });
  return {
    baseUrl,
    apiKey,
    child,
    output: () => output,
    kill: (signal: NodeJS.Signals = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
