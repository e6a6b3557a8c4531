import { ksuid } from '../ids';

/**
 * Delivery rows are created by the same statement that stores their events (transactional outbox), so their
 * ids are made in SQL. A KSUID per row in SQL is slow (base62 of a 160-bit number); instead each statement
 * takes a fresh KSUID from Node, keeps its first 23 base62 digits and lets the row number supply the last 4
 * (62^4 = 14.7M rows per statement). The result is still a 27-character KSUID whose time part is the
 * statement's, and prefixes differ in ~100 random bits between statements.
 */
const B62 = `'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'`;

/** A fresh `dlv_` + 23-digit prefix for one statement. */
export function deliveryIdPrefix(): string {
  return 'dlv_' + ksuid().slice(0, 23);
}

/** SQL text: `prefixParam` followed by the 4 base62 digits of the bigint expression `n`. */
export function deliveryIdSql(prefixParam: string, n: string): string {
  const digit = (div: number) => `substr(${B62}, ((${n}) / ${div} % 62)::int + 1, 1)`;
  return `${prefixParam} || ${digit(238328)} || ${digit(3844)} || ${digit(62)} || ${digit(1)}`;
}

/** The NOTIFY channel that wakes delivery workers (payload unused). */
export const DELIVERIES_CHANNEL = 'deliveries_due';

/**
 * SQL text: the integrations an event fans out to, locked FOR KEY SHARE. The lock makes a concurrent DELETE of an
 * integration safe: if the delete commits first, the locked read skips the row (READ COMMITTED re-checks it)
 * instead of inserting a delivery whose foreign key then fails — which would fail the whole statement and, for
 * a batch of authorization evaluations, every API call in it. If the fan-out locks first, the delete waits and
 * then cascades to the new delivery. Writes to other columns (status, last error) do not conflict with it.
 */
export function matchingIntegrationsSql(toggle: 'send_audit_log_events' | 'send_authorization_events', columns: string): string {
  return `SELECT ${columns} FROM webhook_integrations WHERE ${toggle} AND status <> 'DISABLED' FOR KEY SHARE`;
}
