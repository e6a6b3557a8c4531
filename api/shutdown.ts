import type { Logger } from 'pino';

export interface ShutdownStep {
  /** What the step does, for the log when it does not finish in time. */
  name: string;
  run: () => Promise<unknown>;
}

/**
 * Runs the steps in order; a failing step is logged and the next one runs. If they take longer than `timeoutMs`
 * in all, `onTimeout` runs (stopping the embedded database, which must not outlive the process) and the promise
 * rejects with the step that was still running.
 */
export async function shutdown(steps: ShutdownStep[], timeoutMs: number, log: Logger, onTimeout: () => Promise<unknown> | undefined): Promise<void> {
  let current = '';
  const all = (async () => {
    for (const step of steps) {
      current = step.name;
      const started = Date.now();
      await step.run().catch((err) => log.error({ err, step: step.name }, 'shutdown step failed'));
      log.debug({ step: step.name, ms: Date.now() - started }, 'shutdown step done');
    }
  })();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), timeoutMs)));
  const outcome = await Promise.race([all, late]);
  clearTimeout(timer);
  if (outcome !== 'late') return;
  await onTimeout()?.catch(() => undefined);
  throw new Error(`the graceful stop did not finish within ${timeoutMs} ms (still ${current})`);
}
