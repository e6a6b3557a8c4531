import { z } from 'zod';
import { parseDuration } from './retention/duration';

const bool = (name: string) =>
  z
    .enum(['true', 'false', '1', '0'], { message: `${name} must be true or false` })
    .transform((v) => v === 'true' || v === '1');

/** A comma-separated list; blanks dropped. */
const list = z.string().transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean));

/** A duration such as `30d`, `12h` or `90s` (see retention/duration.ts), in milliseconds. */
const duration = (name: string) =>
  z.string().transform((s, ctx) => {
    const ms = parseDuration(s);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `${name} must be a positive duration such as 30d, 12h, 15m or 90s (got ${JSON.stringify(s)})` });
      return z.NEVER;
    }
    return ms;
  });

/** CIDRs, comma-separated; each entry is checked by the SSRF policy when it is built. */
const cidrList = list;

/** Scopes never contain commas or spaces (RFC 6749 section 3.3), so either separates them. */
const scopeList = z.string().transform((s) => s.split(/[\s,]+/).filter(Boolean));

const urlList = (name: string) =>
  list.superRefine((urls, ctx) => {
    for (const u of urls) {
      if (!/^https?:\/\/[^/]/.test(u) || !URL.canParse(u)) ctx.addIssue({ code: 'custom', message: `${name} must be http(s) URLs, comma-separated (got ${JSON.stringify(u)})` });
    }
  });

/**
 * Encryption keys, comma-separated, each the standard (or URL-safe) base64 of 32 random bytes. Parsed to bytes
 * here; which of them seals and what happens without any is decided in secrets/keys.ts.
 */
const encryptionKeys = list.transform((entries, ctx) => {
  const keys: Buffer[] = [];
  entries.forEach((entry, i) => {
    const key = /^[A-Za-z0-9+/_-]+={0,2}$/.test(entry) ? Buffer.from(entry, 'base64') : Buffer.alloc(0);
    if (key.length !== 32) {
      // Never echo the entry: it is a secret, and a near-miss even more so.
      ctx.addIssue({
        code: 'custom',
        message: `entry ${i + 1} is not the base64 of 32 bytes (${entry.length} characters); make a key with \`openssl rand -base64 32\` or \`npm run cli -- secrets generate-key\``,
      });
    }
    keys.push(key);
  });
  return keys;
});

/** Every setting the service reads, with its default. Parsed once at start-up (see loadConfig). */
const ConfigFields = z.object({
  /** TCP port of the HTTP API. Default 8080. */
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /** Address to listen on. Default 0.0.0.0 (all interfaces). */
  HOST: z.string().default('0.0.0.0'),
  /** Postgres connection string. Unset: an embedded PostgreSQL 18 is started with its data in CF_DATA_DIR. */
  DATABASE_URL: z.string().url().optional(),
  /** Where the embedded database keeps its files. Default `.data/`. */
  CF_DATA_DIR: z.string().default('.data'),
  /** A secret for which an admin API key is ensured at start (automation, fresh instances). */
  CF_BOOTSTRAP_API_KEY: z.string().optional(),
  /**
   * Keys that encrypt header values and signing secrets at rest (AES-256-GCM), comma-separated base64 of 32 bytes
   * each: the first encrypts, all decrypt. Unset with the embedded database: a key is generated once into
   * CF_DATA_DIR/encryption.key. Unset with DATABASE_URL: the service refuses to start.
   */
  CF_ENCRYPTION_KEYS: encryptionKeys.optional(),
  /** Which parts run in this process: the API, the delivery worker, or both. Default all. */
  CF_ROLE: z.enum(['all', 'api', 'worker']).default('all'),
  /** Accept plain http:// destination URLs (local development and tests). Default false. */
  CF_WEBHOOK_ALLOW_HTTP: bool('CF_WEBHOOK_ALLOW_HTTP').default(false),
  /** CIDRs that outbound deliveries may reach despite the SSRF policy. Default none. */
  CF_WEBHOOK_ALLOWED_NETWORKS: cidrList.default([]),
  /** Timeout of one delivery attempt (resolution, connect, request and response), in milliseconds. Default 15000. */
  CF_WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(1).default(15000),
  /** Timeout of a delivery's TCP connect and TLS handshake, after name resolution, in milliseconds. Default 5000. */
  CF_WEBHOOK_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(1).default(5000),
  /** Timeout of a delivery's name resolution, in milliseconds; failures are remembered for 10 s. Default 2000. */
  CF_WEBHOOK_DNS_TIMEOUT_MS: z.coerce.number().int().min(1).default(2000),
  /** Seconds to wait before each retry, comma-separated. Default 5,300,1800,7200,18000,36000,36000. */
  CF_WEBHOOK_RETRY_SCHEDULE: z
    .string()
    .default('5,300,1800,7200,18000,36000,36000')
    .transform((s, ctx) => {
      const parts = s.split(',').map((x) => Number(x.trim()));
      if (parts.some((n) => !Number.isFinite(n) || n < 0)) {
        ctx.addIssue({ code: 'custom', message: 'CF_WEBHOOK_RETRY_SCHEDULE must be non-negative numbers of seconds, comma-separated' });
        return z.NEVER;
      }
      return parts;
    }),
  /** Delivery attempts in flight per worker process, all destinations together. Default 256. */
  CF_WEBHOOK_CONCURRENCY: z.coerce.number().int().min(1).default(256),
  /** Delivery attempts in flight to one integration, so a slow destination cannot hold the rest. Default 32. */
  CF_WEBHOOK_CONCURRENCY_PER_DESTINATION: z.coerce.number().int().min(1).default(32),
  /**
   * OIDC issuers whose JWT access tokens the API accepts, comma-separated (keys from each issuer's discovery
   * document). Default none.
   */
  CF_OIDC_ISSUERS: urlList('CF_OIDC_ISSUERS').default([]),
  /**
   * Audiences a token's `aud` must name one of, comma-separated (an API identifier such as
   * `https://commonfate.example.com` or `api://commonfate`). Tokens that carry an `aud` are checked against
   * this list only. Default none.
   */
  CF_OIDC_AUDIENCE: list.default([]),
  /**
   * Client ids accepted for tokens without an `aud` (Cognito's access tokens), matched against `client_id`
   * (or `azp`, `cid`, `appid`), comma-separated. Default none.
   */
  CF_OIDC_CLIENT_IDS: list.default([]),
  /**
   * The claim holding the caller's role: `admin` (a string, or in a list) makes an admin. A dotted path reaches
   * into objects (`realm_access.roles`) when no claim has the whole name. Default `cf_role`.
   */
  CF_OIDC_ROLE_CLAIM: z.string().min(1).default('cf_role'),
  /** Scopes (in `scope` or `scp`) that make a token's caller an admin, comma- or space-separated. Default none. */
  CF_OIDC_ADMIN_SCOPES: scopeList.default([]),
  /** RFC 7662 introspection endpoint for opaque (non-JWT) access tokens. Unset: opaque tokens are refused. */
  CF_OIDC_INTROSPECTION_URL: z.string().url({ message: 'CF_OIDC_INTROSPECTION_URL must be an http(s) URL' }).optional(),
  /** Client id the API authenticates with at the introspection endpoint (client_secret_basic). */
  CF_OIDC_INTROSPECTION_CLIENT_ID: z.string().optional(),
  /** Client secret for the introspection endpoint. */
  CF_OIDC_INTROSPECTION_CLIENT_SECRET: z.string().optional(),
  /**
   * Longest time an introspection result is reused, in seconds; never beyond the token's own `exp`. 0 asks
   * the identity provider on every call. Default 60.
   */
  CF_OIDC_INTROSPECTION_CACHE_SECONDS: z.coerce.number().int().min(0).default(60),
  /**
   * How long audit events are kept, as a duration: they are compliance records. An event is removed once it is
   * older than this (to within one partition, at most 1/30 of it) and none of its deliveries is pending.
   * Default 400d.
   */
  CF_RETENTION_AUDIT_EVENTS: duration('CF_RETENTION_AUDIT_EVENTS').default(400 * 86_400_000),
  /**
   * How long authorization evaluations (one per API call) are kept; as for audit events, never while one of
   * their deliveries is pending. Default 30d.
   */
  CF_RETENTION_AUTHORIZATION_EVALUATIONS: duration('CF_RETENTION_AUTHORIZATION_EVALUATIONS').default(30 * 86_400_000),
  /** How long finished (SUCCEEDED or FAILED) deliveries and their attempts are kept after they finished. Default 30d. */
  CF_RETENTION_DELIVERIES: duration('CF_RETENTION_DELIVERIES').default(30 * 86_400_000),
  /** Time between retention sweeps; one process sweeps at a time. Default 1h. */
  CF_RETENTION_SWEEP_INTERVAL: duration('CF_RETENTION_SWEEP_INTERVAL').default(3_600_000),
  /** pino log level. Default info. */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Maximum connections in the Postgres pool. Default 10. */
  CF_DB_POOL_SIZE: z.coerce.number().int().min(2).default(10),
  /**
   * How long a query waits for a database connection, in milliseconds, before the call answers 503: bounds every
   * request and the shutdown while the database cannot be reached. Default 5000.
   */
  CF_DB_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).default(5000),
  /**
   * Restarts of the embedded database after it stops unexpectedly (0.5 s apart, doubling to 10 s) before the
   * service gives up and exits with status 1. Default 5.
   */
  CF_DB_RESTART_ATTEMPTS: z.coerce.number().int().min(1).default(5),
  /**
   * Longest graceful stop, in milliseconds: after it the process exits with status 1, naming the step that did not
   * finish. Default 30000.
   */
  CF_SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(1000).default(30000),
});

/**
 * Settings that only make sense together. Accepting tokens from an issuer without checking whom they are for
 * would let a token minted for any other API at the same identity provider in, so an audience or client id
 * list is required.
 */
const ConfigSchema = ConfigFields.superRefine((c, ctx) => {
  const acceptsTokens = c.CF_OIDC_ISSUERS.length > 0 || c.CF_OIDC_INTROSPECTION_URL !== undefined;
  if (acceptsTokens && c.CF_OIDC_AUDIENCE.length === 0 && c.CF_OIDC_CLIENT_IDS.length === 0) {
    ctx.addIssue({
      code: 'custom',
      path: ['CF_OIDC_AUDIENCE'],
      message:
        'OIDC access tokens are accepted (CF_OIDC_ISSUERS or CF_OIDC_INTROSPECTION_URL), so set CF_OIDC_AUDIENCE (the aud of tokens for this API) and/or CF_OIDC_CLIENT_IDS (for tokens without aud)',
    });
  }
  if (c.CF_OIDC_INTROSPECTION_URL) {
    for (const name of ['CF_OIDC_INTROSPECTION_CLIENT_ID', 'CF_OIDC_INTROSPECTION_CLIENT_SECRET'] as const) {
      if (!c[name]) ctx.addIssue({ code: 'custom', path: [name], message: `${name} is required with CF_OIDC_INTROSPECTION_URL` });
    }
  }
});

export type Config = z.infer<typeof ConfigSchema>;

/** Every setting's variable name (the README's configuration table lists each: api/config.test.ts). */
export const SETTING_NAMES = Object.keys(ConfigFields.shape) as ReadonlyArray<keyof Config>;

export class ConfigError extends Error {}

/** Reads settings from the environment; throws ConfigError naming each bad variable and what it expects. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const picked: Record<string, string> = {};
  for (const key of Object.keys(ConfigFields.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') picked[key] = value;
  }
  const result = ConfigSchema.safeParse(picked);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return result.data;
}
