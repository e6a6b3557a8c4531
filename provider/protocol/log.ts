/**
 * Provider logging. go-plugin forwards the provider's stderr to Terraform's log, and a leading `[LEVEL]`
 * sets the line's level, so TF_LOG / TF_LOG_PROVIDER control what a user sees. stdout is reserved for the
 * handshake line.
 *
 * Callers pass identifiers and counts, never values: configuration and state can carry secrets (api_key,
 * header values), and logs are routinely pasted into issues.
 */
export type LogLevel = 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

export interface Logger {
  log(level: LogLevel, message: string, fields?: Record<string, string | number | boolean | undefined>): void;
  /** Whether a line at `level` would be written (skip building costly fields when not). */
  enabled(level: LogLevel): boolean;
}

const RANK: Record<LogLevel, number> = { TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4 };

/**
 * The lowest level worth writing, from the level Terraform will show: TF_LOG_PROVIDER, else TF_LOG (Terraform
 * passes its environment to the provider). Unset: INFO. Terraform reads any other value (JSON, a typo) as
 * TRACE, and so do we. The per-RPC DEBUG lines (several hundred per command) are written only when asked for.
 */
export function logThreshold(env: NodeJS.ProcessEnv): LogLevel {
  const raw = (env.TF_LOG_PROVIDER || env.TF_LOG || '').trim().toUpperCase();
  if (raw === '') return 'INFO';
  if (raw === 'OFF') return 'ERROR';
  return raw in RANK ? (raw as LogLevel) : 'TRACE';
}

export function stderrLogger(threshold: LogLevel = 'INFO'): Logger {
  const min = RANK[threshold];
  return {
    enabled: (level) => RANK[level] >= min,
    log(level, message, fields) {
      if (RANK[level] < min) return;
      let line = `[${level}] commonfate: ${message}`;
      if (fields) {
        for (const [k, v] of Object.entries(fields)) if (v !== undefined) line += ` ${k}=${JSON.stringify(v)}`;
      }
      process.stderr.write(line + '\n');
    },
  };
}

/** Milliseconds since this process started (performance's time origin), rounded to 0.1 ms. */
export function sinceStart(): number {
  return Math.round(performance.now() * 10) / 10;
}
