import pino from 'pino';
import { ConfigError, loadConfig } from './config';
import { startService } from './service';

/** `npm start`: run the service until SIGTERM or SIGINT, then stop gracefully. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = pino({ level: config.LOG_LEVEL, base: { service: 'commonfate' } });
  let service;
  try {
    service = await startService(config, log);
  } catch (err) {
    // A setting found wrong only once the database is known (missing or wrong encryption keys): the message, no stack.
    if (err instanceof ConfigError) {
      log.fatal(err.message);
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  let stopping = false;
  // The last lines say why the process stopped: written out before it exits, even into a slow pipe.
  const exitAfterFlush = (code: number) => log.flush(() => process.exit(code));
  const stop = (exitCode: number) => {
    stopping = true;
    service.stop().then(
      () => {
        log.info({ exit_code: exitCode }, 'stopped');
        exitAfterFlush(exitCode);
      },
      (err) => {
        log.error({ err }, 'shutdown failed');
        exitAfterFlush(1);
      },
    );
  };
  // The embedded database could not be brought back: exit non-zero so that a process manager can act, rather
  // than answer 503 for ever. The supervisor has logged why.
  void service.failed.then(() => {
    if (stopping) return;
    log.fatal('stopping the service, exit status 1: it cannot work without its database');
    stop(1);
  });
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals > 1) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    if (stopping) return;
    log.info({ signal }, 'shutting down: finishing in-flight work');
    stop(0);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

main().catch((err) => {
  process.stderr.write(`failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
