import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServiceProcess, type ServiceProcess } from './support/service';

/**
 * `npm start` on the embedded database, whose data directory becomes unusable while the service runs: when the
 * postmaster then dies, every restart fails, and the service must not run on as a zombie answering 503 for
 * ever. It exits non-zero, with the reason in its log, so that a process manager can act.
 */
describe('an embedded database that cannot come back', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cf-unrecoverable-'));
  let proc: ServiceProcess | undefined;

  afterAll(async () => {
    await proc?.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('the process exits with status 1 and logs why', async () => {
    proc = await startServiceProcess({ env: { CF_DATA_DIR: dataDir, CF_DB_RESTART_ATTEMPTS: '2' } });
    const health = await fetch(`${proc.baseUrl}/healthz`);
    expect(health.status).toBe(200);

    // What PostgreSQL 18 finds in a data directory it cannot use (another version's files, a botched restore).
    writeFileSync(join(dataDir, 'pg', 'PG_VERSION'), '9\n');
    const postmaster = Number(readFileSync(join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
    // 'close', not 'exit': the last log lines may still be in the pipe when the process has exited.
    const exited = new Promise<number | null>((resolve) => proc!.child.once('close', (c) => resolve(c)));
    process.kill(postmaster, 'SIGKILL');

    const code = await exited;
    expect(code).toBe(1);
    const log = proc.output().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { level: number; msg: string });
    const fatal = log.filter((l) => l.level === 60).map((l) => l.msg);
    expect(fatal).toEqual([
      expect.stringMatching(/^the embedded database could not be restarted after 2 attempts; last failure: .*database files are incompatible with server/s),
      'stopping the service, exit status 1: it cannot work without its database',
    ]);
    expect(fatal[0]).toContain(join(dataDir, 'pg'));
    expect(log.filter((l) => l.msg === 'restarting the embedded database failed')).toHaveLength(2);
    expect(log.at(-1)).toMatchObject({ msg: 'stopped', exit_code: 1 });
    proc = undefined;
  });
});
