import { signatureHeader } from './signature';

export const USER_AGENT = 'CommonFate-Webhooks/0.1.0';

/** What a delivery needs to know about its integration. */
export interface DeliveryTarget {
  url: string;
  headers: Array<{ key: string; value: string }>;
  signingSecret: string;
  /** The secret before the latest rotation while it still signs (24 h), else null. */
  previousSecret: string | null;
}

/**
 * The headers of one delivery attempt, as a flat [name, value…] list in the order sent: Content-Type,
 * User-Agent, the integration's custom headers (in their order), then the Standard Webhooks headers. The
 * signature covers `webhook-id`, the timestamp and the exact body bytes; with a rotation in progress, the new
 * secret signs first and the previous one second.
 */
export function deliveryHeaders(dest: DeliveryTarget, eventId: string, body: string, nowMs = Date.now()): string[] {
  const timestamp = Math.floor(nowMs / 1000);
  const secrets = dest.previousSecret ? [dest.signingSecret, dest.previousSecret] : [dest.signingSecret];
  const out = ['content-type', 'application/json', 'user-agent', USER_AGENT];
  for (const h of dest.headers) out.push(h.key, h.value);
  out.push(
    'webhook-id',
    eventId,
    'webhook-timestamp',
    String(timestamp),
    'webhook-signature',
    signatureHeader(secrets, eventId, timestamp, body),
  );
  return out;
}
