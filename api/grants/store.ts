import type { PoolClient } from 'pg';
import { notFound } from '../errors';
import type { Queryable } from '../queryable';
import type { GrantView } from './schema';

/** Reading and locking grants (the rows the workflow, the worker and proxy sessions act on). */

export interface GrantRow {
  id: string;
  request_id: string;
  target_type: string;
  target_id: string;
  role_type: string;
  role_id: string;
  status: GrantView['status'];
  provisioning: GrantView['provisioning'];
  duration_seconds: number;
  activated_at: Date | null;
  expires_at: Date | null;
  closed_reason: GrantView['closed_reason'];
  breakglass: boolean;
  cause_eval: string;
  last_error: string | null;
  created_at: Date;
  updated_at: Date;
}

/** The notification that wakes grant workers (activation, revocation). */
export const GRANTS_CHANNEL = 'grants_due';

export function grantView(row: GrantRow): GrantView {
  return {
    id: row.id,
    request_id: row.request_id,
    target: { type: row.target_type, id: row.target_id },
    role: { type: row.role_type, id: row.role_id },
    status: row.status,
    provisioning: row.provisioning,
    duration_seconds: row.duration_seconds,
    activated_at: row.activated_at?.toISOString() ?? null,
    expires_at: row.expires_at?.toISOString() ?? null,
    closed_reason: row.closed_reason,
    breakglass: row.breakglass,
    last_error: row.last_error,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

export async function getGrant(pool: Queryable, id: string): Promise<GrantView> {
  const { rows } = await pool.query<GrantRow>('SELECT * FROM grants WHERE id = $1', [id]);
  if (rows.length === 0) throw notFound(`Grant ${id}`);
  return grantView(rows[0]);
}

/** The grant, locked until the caller's transaction ends; 404 when absent. */
export async function lockGrant(client: PoolClient, id: string): Promise<GrantRow> {
  const { rows } = await client.query<GrantRow>('SELECT * FROM grants WHERE id = $1 FOR UPDATE', [id]);
  if (rows.length === 0) throw notFound(`Grant ${id}`);
  return rows[0];
}
