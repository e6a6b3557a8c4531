import { randomBytes } from 'node:crypto';
import { Prisma, type PrismaClient, type WebhookIntegration } from '@prisma/client';
import type { Pool } from 'pg';
import { CIRCUIT_COLUMNS, CLOSED_CIRCUIT, circuitView } from '../delivery/schema';
import { newId } from '../ids';
import { notFound, preconditionFailed } from '../http/errors';
import type { IntegrationInput, IntegrationPatch, IntegrationView } from './schema';

/**
 * Storage of webhook integrations. Every change bumps `version`, which is the resource's ETag; writes are
 * conditional on the version they read, so concurrent PATCHes never lose each other's changes.
 */

export function newSigningSecret(): string {
  return 'whsec_' + randomBytes(32).toString('base64');
}

export const etagOf = (row: Pick<WebhookIntegration, 'version'>) => `"${row.version}"`;

/** The columns a response shows (never the signing secret). */
export type IntegrationRow = Pick<
  WebhookIntegration,
  | 'id'
  | 'name'
  | 'url'
  | 'sendAuditLogEvents'
  | 'sendAuthorizationEvents'
  | 'headers'
  | 'filterForActions'
  | 'status'
  | 'lastError'
  | 'circuitState'
  | 'circuitMaxInFlight'
  | 'circuitFailures'
  | 'circuitChangedAt'
  | 'circuitNextProbeAt'
  | 'version'
  | 'createdAt'
  | 'updatedAt'
>;

export function toView(row: IntegrationRow): IntegrationView {
  return {
    id: row.id,
    name: row.name,
    url: row.url,
    send_audit_log_events: row.sendAuditLogEvents,
    send_authorization_events: row.sendAuthorizationEvents,
    headers: row.headers as Array<{ key: string; value: string }>,
    filter_for_actions: row.filterForActions as IntegrationView['filter_for_actions'],
    status: row.status,
    last_error: row.lastError,
    circuit: circuitView(row),
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

function columns(input: IntegrationInput) {
  return {
    name: input.name,
    url: input.url,
    sendAuditLogEvents: input.send_audit_log_events,
    sendAuthorizationEvents: input.send_authorization_events,
    headers: input.headers,
    filterForActions: input.filter_for_actions,
  };
}

/** The columns of IntegrationRow, named as Prisma names them, for plain pg queries. */
const ROW_COLUMNS = `id, name, url, send_audit_log_events AS "sendAuditLogEvents",
  send_authorization_events AS "sendAuthorizationEvents", headers, filter_for_actions AS "filterForActions",
  status, last_error AS "lastError", ${CIRCUIT_COLUMNS}, version, created_at AS "createdAt", updated_at AS "updatedAt"`;

/**
 * One plain pg INSERT, like readWebhookIntegration: creating is the hot path of `terraform apply`, and Prisma's
 * create cost the API more CPU than the statement itself (measured by bench/terraform.ts).
 */
export async function createWebhookIntegration(pool: Pool, input: IntegrationInput): Promise<IntegrationRow> {
  const { rows } = await pool.query<IntegrationRow>(
    `INSERT INTO webhook_integrations
       (id, signing_secret, name, url, send_audit_log_events, send_authorization_events, headers, filter_for_actions)
     VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::text[])
     RETURNING ${ROW_COLUMNS}`,
    [
      newId('webhookIntegration'),
      newSigningSecret(),
      input.name,
      input.url,
      input.send_audit_log_events,
      input.send_authorization_events,
      JSON.stringify(input.headers),
      input.filter_for_actions,
    ],
  );
  return rows[0];
}

export async function getWebhookIntegration(prisma: PrismaClient, id: string): Promise<WebhookIntegration> {
  const row = await prisma.webhookIntegration.findUnique({ where: { id } });
  if (!row) throw notFound(`Webhook integration ${id}`);
  return row;
}

/**
 * The same read as getWebhookIntegration in one plain pg query: GET one is the API's hottest path, and Prisma's
 * query compiler costs several times the query itself there (measured by bench/api.ts).
 */
export async function readWebhookIntegration(pool: Pool, id: string): Promise<IntegrationRow> {
  const { rows } = await pool.query<IntegrationRow>(`SELECT ${ROW_COLUMNS} FROM webhook_integrations WHERE id = $1`, [id]);
  if (rows.length === 0) throw notFound(`Webhook integration ${id}`);
  return rows[0];
}

export async function listWebhookIntegrations(
  prisma: PrismaClient,
  page: { size: number; after?: string },
): Promise<{ rows: WebhookIntegration[]; more: boolean }> {
  // Ordered by id: KSUIDs sort by creation time and are unique, so pages never skip or repeat an item.
  const rows = await prisma.webhookIntegration.findMany({
    where: page.after ? { id: { gt: page.after } } : undefined,
    orderBy: { id: 'asc' },
    take: page.size + 1,
  });
  return { rows: rows.slice(0, page.size), more: rows.length > page.size };
}

/** Checks an If-Match header against the current version; absent header = unconditional. */
export function checkIfMatch(row: Pick<WebhookIntegration, 'version'>, ifMatch: string | undefined): void {
  if (ifMatch === undefined) return;
  const tags = ifMatch.split(',').map((t) => t.trim());
  if (tags.includes('*') || tags.includes(etagOf(row))) return;
  throw preconditionFailed(`The webhook integration has changed (current ETag ${etagOf(row)}); fetch it again and retry.`);
}

async function conditionalUpdate(
  prisma: PrismaClient,
  current: WebhookIntegration,
  data: Prisma.WebhookIntegrationUpdateInput,
): Promise<WebhookIntegration> {
  // A new destination starts afresh: the health (UNHEALTHY, or DISABLED after a 410), last error and delivery
  // circuit belonged to the old URL, so changing the URL makes the integration HEALTHY and its queued deliveries resume.
  if (data.url !== undefined && data.url !== current.url) {
    data = { ...data, status: 'HEALTHY', lastError: null, ...CLOSED_CIRCUIT };
  }
  try {
    return await prisma.webhookIntegration.update({
      where: { id: current.id, version: current.version },
      data: { ...data, version: { increment: 1 }, updatedAt: new Date() },
    });
  } catch (err) {
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2025') {
      throw preconditionFailed('The webhook integration was changed or deleted concurrently; fetch it again and retry.');
    }
    throw err;
  }
}

export async function replaceWebhookIntegration(
  prisma: PrismaClient,
  id: string,
  input: IntegrationInput,
  ifMatch?: string,
): Promise<WebhookIntegration> {
  const current = await getWebhookIntegration(prisma, id);
  checkIfMatch(current, ifMatch);
  return conditionalUpdate(prisma, current, columns(input));
}

export async function patchWebhookIntegration(
  prisma: PrismaClient,
  id: string,
  patch: IntegrationPatch,
  ifMatch?: string,
): Promise<WebhookIntegration> {
  const current = await getWebhookIntegration(prisma, id);
  checkIfMatch(current, ifMatch);
  const data: Prisma.WebhookIntegrationUpdateInput = {};
  if (patch.name !== undefined) data.name = patch.name;
  if (patch.url !== undefined) data.url = patch.url;
  if (patch.send_audit_log_events !== undefined) data.sendAuditLogEvents = patch.send_audit_log_events;
  if (patch.send_authorization_events !== undefined) data.sendAuthorizationEvents = patch.send_authorization_events;
  if (patch.headers !== undefined) data.headers = patch.headers;
  if (patch.filter_for_actions !== undefined) data.filterForActions = patch.filter_for_actions;
  return conditionalUpdate(prisma, current, data);
}

/**
 * Plain pg, like the read: `terraform destroy` deletes every instance. Unconditional (no If-Match) it is one
 * DELETE; with If-Match the version is read, checked, and the DELETE is conditional on it.
 */
export async function deleteWebhookIntegration(pool: Pool, id: string, ifMatch?: string): Promise<void> {
  if (ifMatch === undefined) {
    const { rowCount } = await pool.query('DELETE FROM webhook_integrations WHERE id = $1', [id]);
    if (!rowCount) throw notFound(`Webhook integration ${id}`);
    return;
  }
  const current = await readWebhookIntegration(pool, id);
  checkIfMatch(current, ifMatch);
  const { rowCount } = await pool.query('DELETE FROM webhook_integrations WHERE id = $1 AND version = $2', [id, current.version]);
  if (!rowCount) throw preconditionFailed('The webhook integration was changed concurrently; fetch it again and retry.');
}
