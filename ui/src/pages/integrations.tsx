import { useMemo, useState } from 'preact/hooks';
import { api } from '../lib/api';
import { formatCount, formatPercent } from '../lib/format';
import { href } from '../lib/route';
import type { Integration, IntegrationStatus, Page, StatsSummary } from '../lib/types';
import { useResource } from '../lib/use-resource';
import { CircuitCell } from '../components/circuit';
import { IntegrationStatusBadge } from '../components/status';
import { Empty, ErrorNote, Loading, Mono, TableWrap } from '../components/ui';

/** At most this many integrations are listed (pages of 100); the count says when there are more. */
const MAX_PAGES = 20;

async function loadIntegrations(): Promise<{ items: Integration[]; truncated: boolean }> {
  const items: Integration[] = [];
  let token: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const res = await api<Page<Integration>>(`/v1/webhook-integrations?page_size=100${token ? `&page_token=${encodeURIComponent(token)}` : ''}`);
    items.push(...res.items);
    token = res.next_page_token;
    if (!token) return { items, truncated: false };
  }
  return { items, truncated: true };
}

const STATUSES: IntegrationStatus[] = ['HEALTHY', 'UNHEALTHY', 'DISABLED', 'PAUSED'];

export function IntegrationsPage() {
  const list = useResource('integrations', loadIntegrations, 15_000);
  const stats = useResource('stats-summary', () => api<StatsSummary>('/v1/delivery-stats'), 15_000);
  const [query, setQuery] = useState('');
  const [status, setStatus] = useState<'' | IntegrationStatus>('');

  const byId = useMemo(() => new Map((stats.data?.items ?? []).map((s) => [s.integration_id, s])), [stats.data]);
  const items = list.data?.items ?? [];
  const needle = query.trim().toLowerCase();
  const shown = items.filter(
    (i) =>
      (!status || i.status === status) && (!needle || i.name.toLowerCase().includes(needle) || i.url.toLowerCase().includes(needle) || i.id === query.trim())
  );
  const tripped = items.filter((i) => i.circuit.state !== 'CLOSED').length;
  const counts = STATUSES.map((s) => [s, items.filter((i) => i.status === s).length] as const).filter(([, n]) => n > 0);

  return (
    <div class="page">
      <div class="page-head">
        <div>
          <h1 tabIndex={-1}>Integrations</h1>
          {list.data && (
            <p class="muted" aria-live="polite">
              {formatCount(items.length)}
              {list.data.truncated ? '+' : ''} integration{items.length === 1 ? '' : 's'}
              {counts.map(([s, n]) => ` · ${n} ${s.toLowerCase()}`).join('')}
              {tripped > 0 && ` · ${tripped} circuit${tripped === 1 ? '' : 's'} not closed`}
            </p>
          )}
        </div>
        <form class="filters" role="search" onSubmit={(e) => e.preventDefault()}>
          <div class="field">
            <label for="find">Find by name or URL</label>
            <input id="find" type="search" value={query} onInput={(e) => setQuery((e.target as HTMLInputElement).value)} placeholder="e.g. Audit sink" />
          </div>
          <div class="field">
            <label for="status-filter">Status</label>
            <select id="status-filter" value={status} onChange={(e) => setStatus((e.target as HTMLSelectElement).value as IntegrationStatus | '')}>
              <option value="">Any</option>
              {STATUSES.map((s) => (
                <option key={s} value={s}>
                  {s.charAt(0) + s.slice(1).toLowerCase()}
                </option>
              ))}
            </select>
          </div>
        </form>
      </div>
      {list.error && <ErrorNote error={list.error} context="Could not load the integrations" />}
      {stats.error && !list.error && <ErrorNote error={stats.error} context="Could not load the delivery statistics" />}
      {!list.data && !list.error && <Loading what="integrations" />}
      {list.data && items.length === 0 && (
        <Empty>
          No integrations yet. Create one with <code>POST /v1/webhook-integrations</code> or the Terraform resource <code>commonfate_webhook_integration</code>.
        </Empty>
      )}
      {list.data && items.length > 0 && (
        <div class="card">
          <TableWrap label="Integrations">
            <caption class="sr-only">
              Integrations{needle || status ? `, filtered: ${shown.length} of ${items.length}` : ''}. Deliveries and success rate cover the last hour.
            </caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Status</th>
                <th scope="col">Circuit</th>
                <th scope="col">Events</th>
                <th scope="col" class="num">
                  Deliveries <span class="th-note">1 h</span>
                </th>
                <th scope="col" class="num">
                  Success <span class="th-note">1 h</span>
                </th>
                <th scope="col">Last error</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((i) => {
                const s = byId.get(i.id);
                return (
                  <tr key={i.id} data-integration={i.id}>
                    <td class="name-cell">
                      <a href={href.integration(i.id)} class="row-link">
                        {i.name}
                      </a>
                      <Mono title={i.url}>{i.url}</Mono>
                    </td>
                    <td>
                      <IntegrationStatusBadge status={i.status} />
                    </td>
                    <td>
                      <CircuitCell circuit={i.circuit} />
                    </td>
                    <td>
                      <EventToggles integration={i} />
                    </td>
                    <td class="num">{stats.data ? formatCount(s?.deliveries ?? 0) : '…'}</td>
                    <td class="num">
                      <SuccessRate rate={stats.data ? s?.success_rate ?? null : undefined} />
                    </td>
                    <td class="error-cell">{i.last_error ? <span title={i.last_error}>{i.last_error}</span> : <span class="muted">—</span>}</td>
                  </tr>
                );
              })}
            </tbody>
          </TableWrap>
          {shown.length === 0 && <Empty>No integration matches the filter.</Empty>}
          {list.data.truncated && <p class="muted pad">Showing the first {formatCount(items.length)} integrations.</p>}
        </div>
      )}
    </div>
  );
}

/** The two event toggles and the audit action filter, in words. */
export function EventToggles({ integration: i }: { integration: Integration }) {
  const filter = i.filter_for_actions;
  return (
    <ul class="toggles">
      <li class={i.send_audit_log_events ? 'on' : 'off'}>
        <span aria-hidden="true">{i.send_audit_log_events ? '✓' : '–'}</span> Audit log
        {i.send_audit_log_events && (
          <span class="muted" title={filter.length ? filter.join(', ') : undefined}>
            {' '}
            ({filter.length ? `${filter.length} action${filter.length === 1 ? '' : 's'}` : 'all actions'})
          </span>
        )}
        <span class="sr-only">{i.send_audit_log_events ? ': on' : ': off'}</span>
      </li>
      <li class={i.send_authorization_events ? 'on' : 'off'}>
        <span aria-hidden="true">{i.send_authorization_events ? '✓' : '–'}</span> Authorization
        <span class="sr-only">{i.send_authorization_events ? ': on' : ': off'}</span>
      </li>
    </ul>
  );
}

/** A success rate with a tone: all good, some failures, mostly failing. */
export function SuccessRate({ rate }: { rate: number | null | undefined }) {
  if (rate === undefined) return <span class="muted">…</span>;
  if (rate === null)
    return (
      <span class="muted" title="No attempts in the last hour">
        —
      </span>
    );
  const tone = rate >= 0.99 ? 'ok' : rate >= 0.9 ? 'warn' : 'bad';
  return <span class={`rate rate-${tone}`}>{formatPercent(rate)}</span>;
}
