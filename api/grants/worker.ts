import type { Pool, PoolClient } from 'pg';
import type { Logger } from 'pino';
import { emitAuditEvents } from '../audit-events/emit';
import { systemCause } from '../audit-events/event';
import { isDatabaseUnavailable, primaryCode } from '../db/errors';
import { withTransaction } from '../db/transaction';
import type { AuditAction } from '../../contract';
import type { Provisioner } from './provisioner';
import { grantEvents } from './events';
import type { GrantRow } from './store';
import { endSessionsOfGrant } from '../proxy-sessions/store';

/**
 * Runs the grant steps nobody calls: provisioning after activation, deprovisioning after revocation, and expiry
 * (which ends the grant's proxy sessions).
 * Several workers share the table: each claims due grants with FOR UPDATE SKIP LOCKED and performs the step and
 * its audit events in that same transaction. Woken by NOTIFY grants_due; polls every `pollMs` for expiries.
 *
 * While the database is unavailable the polls back off (doubling up to `maxBackoffMs`) and the outage is logged
 * once, not at every poll; a wake-up (a notification, the database coming back) tries again at once.
 */
export class GrantWorker {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = false;
  /** Consecutive passes that failed because the database was unavailable. */
  private failures = 0;
  /** Polls before this time (epoch ms) are skipped: the database was unavailable at the last pass. */
  private retryAt = 0;

  constructor(
    private readonly pool: Pool,
    private readonly provisioner: Provisioner,
    private readonly log: Logger,
    /** Fallback poll (and expiry check) interval, ms. Default 1000. */
    private readonly pollMs = 1000,
    /** Longest wait between passes while the database is unavailable, ms. Default 30000. */
    private readonly maxBackoffMs = 30_000,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      if (Date.now() >= this.retryAt) this.wake();
    }, this.pollMs);
    this.timer.unref();
    this.wake();
  }

  /** Runs a pass now (coalesced with one already running). */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain()
      .then(() => this.succeeded(), (err) => this.failed(err))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }

  private succeeded(): void {
    if (this.failures > 0) this.log.info({ failed_passes: this.failures }, 'grant worker resumed: the database is available again');
    this.failures = 0;
    this.retryAt = 0;
  }

  private failed(err: unknown): void {
    if (!isDatabaseUnavailable(err)) {
      this.log.warn({ err }, 'grant worker pass failed; retrying on the next poll');
      return;
    }
    this.failures++;
    const backoff = Math.min(this.maxBackoffMs, this.pollMs * 2 ** (this.failures - 1));
    this.retryAt = Date.now() + backoff;
    const entry = { code: primaryCode(err), retry_in_ms: backoff };
    if (this.failures === 1) this.log.warn(entry, 'grant worker paused: the database is unavailable; retrying with backoff');
    else this.log.debug(entry, 'grant worker: the database is still unavailable');
  }

  private async drain(): Promise<void> {
    while (!this.stopped && (await this.pass()) > 0);
  }

  /** One batch of due grants in one transaction; returns how many were handled. */
  private pass(batch = 20): Promise<number> {
    return withTransaction(this.pool, async (tx) => {
      const { rows } = await tx.query<GrantRow>(
        `SELECT * FROM grants
         WHERE (status = 'ACTIVE' AND (provisioning = 'PENDING' OR expires_at <= now()))
            OR provisioning = 'DEPROVISION_PENDING'
         ORDER BY updated_at LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [batch],
      );
      for (const grant of rows) await this.step(tx, grant);
      return rows.length;
    });
  }

  private async step(tx: PoolClient, grant: GrantRow): Promise<void> {
    if (grant.status === 'ACTIVE' && grant.provisioning === 'PENDING') {
      const error = await this.attempt(tx, () => this.provisioner.provision(grant, tx));
      await this.record(tx, grant, ['grant.provisioning_attempted', error ? 'grant.provisioning_error' : 'grant.provisioned'], grant.cause_eval, {
        provisioning: error ? 'ERROR' : 'PROVISIONED',
        error,
      });
      return;
    }
    const expiring = grant.status === 'ACTIVE' && grant.expires_at !== null && grant.expires_at <= new Date();
    if (expiring) {
      await tx.query(`UPDATE grants SET status = 'CLOSED', closed_reason = 'expired', cause_eval = '', updated_at = now() WHERE id = $1`, [grant.id]);
      grant = { ...grant, status: 'CLOSED', closed_reason: 'expired', cause_eval: '' };
      // Sessions end with their grant.
      const ended = await endSessionsOfGrant(tx, grant.id);
      await emitAuditEvents(tx, grantEvents(grant, ended.map((sessionId) => ({ action: 'proxy.session.ended' as const, sessionId })), systemCause('')), grant.id);
      if (grant.provisioning !== 'PROVISIONED') {
        // Nothing was put in place (provisioning failed or never ran): closing is the whole step.
        await tx.query(`UPDATE grants SET provisioning = 'NONE' WHERE id = $1 AND provisioning IN ('PENDING', 'ERROR')`, [grant.id]);
        return;
      }
    }
    const error = await this.attempt(tx, () => this.provisioner.deprovision(grant, tx));
    await this.record(tx, grant, [error ? 'grant.deprovisioning_error' : 'grant.deprovisioned'], grant.cause_eval, {
      provisioning: error ? 'DEPROVISIONING_ERROR' : 'DEPROVISIONED',
      error,
    });
  }

  /** Runs a provisioner call under a savepoint; returns its error message, or undefined on success. */
  private async attempt(tx: PoolClient, call: () => Promise<void>): Promise<string | undefined> {
    await tx.query('SAVEPOINT provisioner');
    try {
      await call();
      await tx.query('RELEASE SAVEPOINT provisioner');
      return undefined;
    } catch (err) {
      await tx.query('ROLLBACK TO SAVEPOINT provisioner');
      const message = err instanceof Error ? err.message : String(err);
      this.log.warn({ error: message }, 'provisioner step failed');
      return message.slice(0, 1000) || 'the provisioner failed';
    }
  }

  private async record(
    tx: PoolClient,
    grant: GrantRow,
    actions: AuditAction[],
    evalId: string,
    outcome: { provisioning: GrantRow['provisioning']; error?: string },
  ): Promise<void> {
    await tx.query(
      `UPDATE grants SET provisioning = $2, last_error = $3, version = version + 1, updated_at = now() WHERE id = $1`,
      [grant.id, outcome.provisioning, outcome.error ?? null],
    );
    await emitAuditEvents(tx, grantEvents(grant, actions, systemCause(evalId)), grant.id);
  }
}
