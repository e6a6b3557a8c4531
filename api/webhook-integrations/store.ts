import type { WebhookIntegration } from '@prisma/client';
import type { SecretAccess } from '../authz/authorizer';
import { CIRCUIT_COLUMNS, circuitView } from '../delivery/schema';
import type { Queryable } from '../queryable';
import { newId } from '../ids';
import { notFound, preconditionFailed, validationError } from '../errors';
import type { IntegrationInput, IntegrationPatch, IntegrationView } from './schema';
import { newSigningSecret, type IntegrationSecrets, type StoredHeader } from './secrets';

/**
 * Storage of webhook integrations, in plain pg. Every change bumps `version`, which is the resource's ETag.
 * Each write is one statement, conditional on the version only when the caller sent If-Match. Header values
 * and signing secrets are sealed before they are written (./secrets.ts) and never leave here in clear text
 * except to a view that may show them.
 */

export const etagOf = (row: Pick<WebhookIntegration, 'version'>) => `"${row.version}"`;

/** The columns a response shows (never the signing secret); `headers` as stored, sealed. */
export type IntegrationRow = Pick<
  WebhookIntegration,
  | 'id'
  | 'name'
  | 'url'
  | 'sendAuditLogEvents'
  | 'sendAuthorizationEvents'
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
> & { headers: StoredHeader[] };

/** The response form; header values only with `access` 'reveal' (a Cedar decision, see http/route.ts `reveals`). */
export function toView(row: IntegrationRow, secrets: IntegrationSecrets, access: SecretAccess): IntegrationView {
  return {
    id: row.id,
    name: row.name,
    url: row.url,
    send_audit_log_events: row.sendAuditLogEvents,
    send_authorization_events: row.sendAuthorizationEvents,
    headers: secrets.headersView(row.id, row.version, row.headers, access),
    filter_for_actions: row.filterForActions as IntegrationView['filter_for_actions'],
    status: row.status,
    last_error: row.lastError,
    circuit: circuitView(row),
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
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
export async function createWebhookIntegration(db: Queryable, secrets: IntegrationSecrets, input: IntegrationInput): Promise<IntegrationRow> {
  const id = newId('webhookIntegration');
  const { writes } = secrets.sealHeaders(id, input.headers, true);
  const { rows } = await db.query<IntegrationRow>({
    name: 'create-webhook-integration',
    text: `INSERT INTO webhook_integrations
       (id, signing_secret, name, url, send_audit_log_events, send_authorization_events, headers, filter_for_actions)
     VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::text[])
     RETURNING ${ROW_COLUMNS}`,
    values: [
      id,
      secrets.sealSigningSecret(id, newSigningSecret()),
      input.name,
      input.url,
      input.send_audit_log_events,
      input.send_authorization_events,
      JSON.stringify(writes),
      input.filter_for_actions,
    ],
  });
  return rows[0];
}

/** One plain pg query: GET one is the API's hottest path, and Prisma's query compiler cost several times the
 * query itself there (measured by bench/api.ts). */
export async function readWebhookIntegration(db: Queryable, id: string): Promise<IntegrationRow> {
  const { rows } = await db.query<IntegrationRow>({ name: 'read-webhook-integration', text: `SELECT ${ROW_COLUMNS} FROM webhook_integrations WHERE id = $1`, values: [id] });
  if (rows.length === 0) throw notFound(`Webhook integration ${id}`);
  return rows[0];
}

export async function listWebhookIntegrations(
  db: Queryable,
  page: { size: number; after?: string },
): Promise<{ rows: IntegrationRow[]; more: boolean }> {
  // Ordered by id: KSUIDs sort by creation time and are unique, so pages never skip or repeat an item.
  const { rows } = await db.query<IntegrationRow>(
    `SELECT ${ROW_COLUMNS} FROM webhook_integrations WHERE ($1::text IS NULL OR id > $1) ORDER BY id LIMIT $2`,
    [page.after ?? null, page.size + 1],
  );
  return { rows: rows.slice(0, page.size), more: rows.length > page.size };
}

/**
 * What If-Match asks for: undefined without the header (apply unconditionally), 'any' for `*` (the integration
 * must exist), else the versions it names. Weak tags (`W/"…"`) never match: If-Match compares strongly.
 */
export type VersionCondition = undefined | 'any' | number[];

export function parseIfMatch(header: string | undefined): VersionCondition {
  if (header === undefined) return undefined;
  const tags = header.split(',').map((t) => t.trim());
  if (tags.includes('*')) return 'any';
  return tags.flatMap((t) => (/^"\d{1,9}"$/.test(t) ? [Number(t.slice(1, -1))] : []));
}

/**
 * After a write matched no row: 404 when the integration is gone; 400 when the version condition holds but a
 * header kept by name (`redacted: true`) has no stored value; else 412 (its version did not match).
 */
async function missedWrite(db: Queryable, id: string, condition: VersionCondition, headers?: IntegrationInput['headers']): Promise<never> {
  const { rows } = await db.query<{ version: number; headers: StoredHeader[] }>('SELECT version, headers FROM webhook_integrations WHERE id = $1', [id]);
  if (rows.length === 0) throw notFound(`Webhook integration ${id}`);
  const { version } = rows[0];
  const versionHolds = !Array.isArray(condition) || condition.includes(version);
  if (versionHolds && headers) {
    const stored = new Set(rows[0].headers.map((h) => h.key.toLowerCase()));
    const missing = headers.flatMap((h, i) =>
      h.value === undefined && !stored.has(h.key.toLowerCase())
        ? [{ path: `headers[${i}]`, message: `is redacted but no value is stored for "${h.key}": give its value` }]
        : [],
    );
    if (missing.length > 0) throw validationError(missing);
  }
  throw preconditionFailed(`The webhook integration has changed (current ETag "${version}"); fetch it again and retry.`);
}

/**
 * One UPDATE setting the given columns (null leaves a column as it is), conditional on the version only when
 * If-Match asked for it: without it the change applies atomically to whatever is stored (last write wins, no
 * read-modify-write race), and every write bumps the version, so concurrent writers get distinct ETags.
 *
 * A header given as `redacted: true` keeps the sealed value stored under its name (ignoring case), taken in
 * the same statement, so a concurrent change cannot slip between reading and writing it; if no value is stored
 * for that name the statement changes nothing (and missedWrite says why).
 *
 * A new destination starts afresh: the health (UNHEALTHY, or DISABLED after a 410), last error and delivery circuit
 * belonged to the old URL, so changing the URL makes the integration HEALTHY, closes its circuit, and its queued
 * deliveries resume — unless an operator paused it, which only …/resume undoes.
 */
async function updateColumns(
  db: Queryable,
  secrets: IntegrationSecrets,
  id: string,
  c: Partial<IntegrationInput>,
  condition: VersionCondition,
): Promise<IntegrationRow> {
  if (Array.isArray(condition) && condition.length === 0) return missedWrite(db, id, condition);
  const sealed = c.headers === undefined ? undefined : secrets.sealHeaders(id, c.headers);
  const { rows } = await db.query<IntegrationRow>(
    `UPDATE webhook_integrations SET
       name = coalesce($2, name),
       url = coalesce($3, url),
       send_audit_log_events = coalesce($4, send_audit_log_events),
       send_authorization_events = coalesce($5, send_authorization_events),
       headers = CASE
         WHEN $6::jsonb IS NULL THEN headers
         WHEN $9::text[] IS NULL THEN $6::jsonb
         ELSE (SELECT jsonb_agg(CASE WHEN n.h ? 'keep'
                 THEN (SELECT o - 'key' FROM jsonb_array_elements(webhook_integrations.headers) o
                       WHERE lower(o->>'key') = lower(n.h->>'key') LIMIT 1) || jsonb_build_object('key', n.h->'key')
                 ELSE n.h END ORDER BY n.i)
               FROM jsonb_array_elements($6::jsonb) WITH ORDINALITY AS n(h, i))
       END,
       filter_for_actions = coalesce($7::text[], filter_for_actions),
       status = CASE WHEN $3 IS NOT NULL AND $3 <> url AND status <> 'PAUSED' THEN 'HEALTHY' ELSE status END,
       last_error = CASE WHEN $3 IS NOT NULL AND $3 <> url THEN NULL ELSE last_error END,
       circuit_state = CASE WHEN $3 IS NOT NULL AND $3 <> url THEN 'CLOSED' ELSE circuit_state END,
       circuit_max_in_flight = CASE WHEN $3 IS NOT NULL AND $3 <> url THEN NULL ELSE circuit_max_in_flight END,
       circuit_failures = CASE WHEN $3 IS NOT NULL AND $3 <> url THEN 0 ELSE circuit_failures END,
       circuit_changed_at = CASE WHEN $3 IS NOT NULL AND $3 <> url THEN NULL ELSE circuit_changed_at END,
       circuit_next_probe_at = CASE WHEN $3 IS NOT NULL AND $3 <> url THEN NULL ELSE circuit_next_probe_at END,
       version = version + 1,
       updated_at = now()
     WHERE id = $1 AND ($8::int[] IS NULL OR version = ANY ($8::int[]))
       AND ($9::text[] IS NULL OR NOT EXISTS (
         SELECT 1 FROM unnest($9::text[]) k
         WHERE NOT EXISTS (SELECT 1 FROM jsonb_array_elements(headers) o WHERE lower(o->>'key') = k)))
     RETURNING ${ROW_COLUMNS}`,
    [
      id,
      c.name ?? null,
      c.url ?? null,
      c.send_audit_log_events ?? null,
      c.send_authorization_events ?? null,
      sealed === undefined ? null : JSON.stringify(sealed.writes),
      c.filter_for_actions ?? null,
      Array.isArray(condition) ? condition : null,
      sealed?.kept ?? null,
    ],
  );
  return rows[0] ?? missedWrite(db, id, condition, c.headers);
}

/** PUT: every field replaced (the input has its defaults applied). */
export function replaceWebhookIntegration(
  db: Queryable,
  secrets: IntegrationSecrets,
  id: string,
  input: IntegrationInput,
  ifMatch?: string,
): Promise<IntegrationRow> {
  return updateColumns(db, secrets, id, input, parseIfMatch(ifMatch));
}

/** PATCH: each given field replaced. */
export function patchWebhookIntegration(
  db: Queryable,
  secrets: IntegrationSecrets,
  id: string,
  patch: IntegrationPatch,
  ifMatch?: string,
): Promise<IntegrationRow> {
  return updateColumns(db, secrets, id, patch, parseIfMatch(ifMatch));
}

/**
 * Plain pg, like the read: `terraform destroy` deletes every instance. One DELETE, conditional on the version
 * when If-Match names one.
 */
export async function deleteWebhookIntegration(db: Queryable, id: string, ifMatch?: string): Promise<void> {
  const condition = parseIfMatch(ifMatch);
  if (Array.isArray(condition) && condition.length === 0) return missedWrite(db, id, condition);
  const { rowCount } = await db.query('DELETE FROM webhook_integrations WHERE id = $1 AND ($2::int[] IS NULL OR version = ANY ($2::int[]))', [
    id,
    Array.isArray(condition) ? condition : null,
  ]);
  if (!rowCount) await missedWrite(db, id, condition);
}
