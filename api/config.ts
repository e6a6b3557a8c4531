import { z } from 'zod';

const bool = (name: string) =>
  z
    .enum(['true', 'false', '1', '0'], { message: `${name} must be true or false` })
    .transform((v) => v === 'true' || v === '1');

/** Parses a comma-separated list of CIDRs; each entry is checked by the SSRF policy when it is built. */
const cidrList = z
  .string()
  .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean));

/** Every setting the service reads, with its default. Parsed once at start-up (see loadConfig). */
const ConfigSchema = z.object({
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
  /** OIDC issuers whose access tokens the API accepts, comma-separated (JWKS discovered from each). */
  CF_OIDC_ISSUERS: cidrList.default([]),
  /** Expected `aud` of OIDC access tokens; unset accepts any audience. */
  CF_OIDC_AUDIENCE: z.string().optional(),
  /** pino log level. Default info. */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Maximum connections in the Postgres pool. Default 10. */
  CF_DB_POOL_SIZE: z.coerce.number().int().min(2).default(10),
});

export type Config = z.infer<typeof ConfigSchema>;

export class ConfigError extends Error {}

/** Reads settings from the environment; throws ConfigError naming each bad variable and what it expects. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const picked: Record<string, string> = {};
  for (const key of Object.keys(ConfigSchema.shape)) {
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
