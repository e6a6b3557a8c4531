import type { PoolClient } from 'pg';
import type { Cause } from '../audit-events/event';
import { emitAuditEvents } from '../audit-events/emit';
import { conflict, notFound } from '../errors';
import { grantEvents } from '../grants/events';
import { lockGrant } from '../grants/store';
import { newId } from '../ids';
import type { Queryable } from '../queryable';
import type { ProxySessionView } from './schema';

/**
 * Proxy sessions: connections through the access proxy on an ACTIVE grant. Starting one emits
 * `proxy.session.started`, ending one `proxy.session.ended`, each with the session among the event's targets.
 * A session ends on request or when its grant closes (revoke, force-close, expiry: see endSessionsOfGrant,
 * called by every transition that closes a grant). Writes run in the caller's transaction.
 */

interface SessionRow {
  id: string;
  grant_id: string;
  status: 'ACTIVE' | 'ENDED';
  started_by: string;
  started_at: Date;
  ended_at: Date | null;
  end_reason: ProxySessionView['end_reason'];
}

function sessionView(row: SessionRow): ProxySessionView {
  return {
    id: row.id,
    grant_id: row.grant_id,
    status: row.status,
    started_by: row.started_by,
    started_at: row.started_at.toISOString(),
    ended_at: row.ended_at?.toISOString() ?? null,
    end_reason: row.end_reason,
  };
}

/** Starts a session on grant `grantId`: 404 when there is no such grant, 409 unless it is ACTIVE. */
export async function startProxySession(tx: PoolClient, grantId: string, startedBy: string, cause: Cause): Promise<ProxySessionView> {
  // Locking the grant orders this against a concurrent close: a session never starts on a grant closing under it.
  const grant = await lockGrant(tx, grantId);
  if (grant.status !== 'ACTIVE') {
    throw conflict(`Grant ${grantId} is ${grant.status}; a proxy session needs an ACTIVE grant.`);
  }
  const { rows } = await tx.query<SessionRow>(
    'INSERT INTO proxy_sessions (id, grant_id, started_by) VALUES ($1, $2, $3) RETURNING *',
    [newId('proxySession'), grantId, startedBy],
  );
  await emitAuditEvents(tx, grantEvents(grant, [{ action: 'proxy.session.started', sessionId: rows[0].id }], cause), grantId);
  return sessionView(rows[0]);
}

/** Ends session `id` on request: 404 when there is none, 409 when it has already ended. */
export async function endProxySession(tx: PoolClient, id: string, cause: Cause): Promise<ProxySessionView> {
  const { rows: found } = await tx.query<{ grant_id: string }>('SELECT grant_id FROM proxy_sessions WHERE id = $1', [id]);
  if (found.length === 0) throw notFound(`Proxy session ${id}`);
  // Grant first, then session: the same order as a closing grant, so the two never deadlock.
  const grant = await lockGrant(tx, found[0].grant_id);
  const { rows } = await tx.query<SessionRow>(
    `UPDATE proxy_sessions SET status = 'ENDED', ended_at = now(), end_reason = 'ended'
     WHERE id = $1 AND status = 'ACTIVE' RETURNING *`,
    [id],
  );
  if (rows.length === 0) throw conflict(`Proxy session ${id} has already ended.`);
  await emitAuditEvents(tx, grantEvents(grant, [{ action: 'proxy.session.ended', sessionId: id }], cause), grant.id);
  return sessionView(rows[0]);
}

/**
 * Ends every active session of a grant that is closing (the caller holds the grant's lock and emits one
 * `proxy.session.ended` per returned id after the grant's own event). Returns their ids, oldest first.
 */
export async function endSessionsOfGrant(tx: PoolClient, grantId: string): Promise<string[]> {
  const { rows } = await tx.query<{ id: string }>(
    `UPDATE proxy_sessions SET status = 'ENDED', ended_at = now(), end_reason = 'grant_closed'
     WHERE grant_id = $1 AND status = 'ACTIVE' RETURNING id`,
    [grantId],
  );
  return rows.map((r) => r.id).sort();
}

export async function getProxySession(db: Queryable, id: string): Promise<ProxySessionView> {
  const { rows } = await db.query<SessionRow>('SELECT * FROM proxy_sessions WHERE id = $1', [id]);
  if (rows.length === 0) throw notFound(`Proxy session ${id}`);
  return sessionView(rows[0]);
}

/** The sessions of a grant, oldest first (ids are KSUIDs); 404 when there is no such grant. */
export async function listProxySessions(
  db: Queryable,
  grantId: string,
  page: { size: number; after?: string },
): Promise<{ rows: ProxySessionView[]; more: boolean }> {
  const { rowCount } = await db.query('SELECT 1 FROM grants WHERE id = $1', [grantId]);
  if (!rowCount) throw notFound(`Grant ${grantId}`);
  const { rows } = await db.query<SessionRow>(
    'SELECT * FROM proxy_sessions WHERE grant_id = $1 AND ($2::text IS NULL OR id > $2) ORDER BY id LIMIT $3',
    [grantId, page.after ?? null, page.size + 1],
  );
  return { rows: rows.slice(0, page.size).map(sessionView), more: rows.length > page.size };
}
