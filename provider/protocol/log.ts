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
}

export const stderrLogger: Logger = {
  log(level, message, fields) {
    let line = `[${level}] commonfate: ${message}`;
    if (fields) {
      for (const [k, v] of Object.entries(fields)) if (v !== undefined) line += ` ${k}=${JSON.stringify(v)}`;
    }
    process.stderr.write(line + '\n');
  },
};
