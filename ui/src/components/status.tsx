import type { DeliveryStatus, IntegrationStatus } from '../lib/types';

/**
 * Status badges: a colour, a shape and a word, so that none of the three carries the meaning alone (people who
 * do not see the colour, or print the page, read the shape and the word).
 */
export type Tone = 'ok' | 'warn' | 'bad' | 'info' | 'off';

const ICON: Record<Tone, string> = { ok: '●', warn: '▲', bad: '✕', info: '◆', off: '■' };

export function Badge({ tone, label, title }: { tone: Tone; label: string; title?: string }) {
  return (
    <span class={`badge badge-${tone}`} title={title}>
      <span class="badge-icon" aria-hidden="true">
        {ICON[tone]}
      </span>
      {label}
    </span>
  );
}

const INTEGRATION: Record<IntegrationStatus, { tone: Tone; label: string; title: string }> = {
  HEALTHY: { tone: 'ok', label: 'Healthy', title: 'Deliveries are succeeding.' },
  UNHEALTHY: { tone: 'warn', label: 'Unhealthy', title: 'A delivery ran out of retries; new deliveries are still attempted.' },
  DISABLED: { tone: 'bad', label: 'Disabled', title: 'The destination answered 410 Gone; nothing is delivered until a test event succeeds.' },
  PAUSED: { tone: 'info', label: 'Paused', title: 'Paused by an operator: events queue and nothing is attempted until it is resumed.' },
};

export function IntegrationStatusBadge({ status }: { status: IntegrationStatus }) {
  const s = INTEGRATION[status] ?? { tone: 'off' as Tone, label: status, title: '' };
  return <Badge {...s} />;
}

const DELIVERY: Record<DeliveryStatus, { tone: Tone; label: string }> = {
  SUCCEEDED: { tone: 'ok', label: 'Succeeded' },
  PENDING: { tone: 'info', label: 'Pending' },
  FAILED: { tone: 'bad', label: 'Failed' },
};

export function DeliveryStatusBadge({ status }: { status: DeliveryStatus }) {
  return <Badge {...(DELIVERY[status] ?? { tone: 'off', label: status })} />;
}

/** An HTTP status of an attempt: 2xx reads as success, anything else as a failure; none as "no response". */
export function StatusCode({ code }: { code: number | null }) {
  if (code === null) return <span class="code code-none">no response</span>;
  const ok = code >= 200 && code < 300;
  return (
    <span class={`code ${ok ? 'code-ok' : 'code-bad'}`}>
      <span aria-hidden="true">{ok ? '✓ ' : '✕ '}</span>
      {code}
    </span>
  );
}
