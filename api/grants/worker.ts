import type { Pool, PoolClient } from 'pg';
import type { Logger } from 'pino';
import { emitAuditEvents } from '../audit-events/emit';
import { systemCause } from '../audit-events/event';
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
 */
export class GrantWorker {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = false;

  constructor(
    private readonly pool: Pool,
    private readonly provisioner: Provisioner,
    private readonly log: Logger,
    /** Fallback poll (and expiry check) interval, ms. Default 1000. */
    private readonly pollMs = 1000,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.wake(), this.pollMs);
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
      .catch((err) => this.log.warn({ err }, 'grant worker pass failed; retrying on the next poll'))
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
