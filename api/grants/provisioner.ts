import type { PoolClient } from 'pg';
import type { GrantRow } from './store';

/**
 * Puts a grant's access in place in the target system and takes it away again. Called by the grant worker
 * inside the transaction that records the outcome (under a savepoint, so a failing provisioner's own writes are
 * undone while its error is recorded). Throwing means the step failed; the message is recorded on the grant
 * and in the error event, so it must not contain secrets.
 */
export interface Provisioner {
  provision(grant: GrantRow, tx: PoolClient): Promise<void>;
  deprovision(grant: GrantRow, tx: PoolClient): Promise<void>;
}

/** The built-in provisioner: records assignments in the database (grant_assignments). */
export const databaseProvisioner: Provisioner = {
  async provision(grant, tx) {
    await tx.query(
      `INSERT INTO grant_assignments (grant_id, target_type, target_id, role_type, role_id) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (grant_id) DO NOTHING`,
      [grant.id, grant.target_type, grant.target_id, grant.role_type, grant.role_id],
    );
  },
  async deprovision(grant, tx) {
    await tx.query('DELETE FROM grant_assignments WHERE grant_id = $1', [grant.id]);
  },
};
