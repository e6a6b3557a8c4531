import { useState } from 'preact/hooks';
import { api, pathOf } from '../lib/api';
import { formatCount, formatPercent } from '../lib/format';
import { href } from '../lib/route';
import type { Header, Integration, IntegrationStats } from '../lib/types';
import { useResource } from '../lib/use-resource';
import { LatencyChart, OutcomeChart } from '../components/charts';
import { CircuitBadge, CircuitNote } from '../components/circuit';
import { IntegrationStatusBadge } from '../components/status';
import { Card, ErrorNote, Loading, Mono, Time } from '../components/ui';
import { Deliveries } from './deliveries';
import { IntegrationActions } from './integration-actions';
import { EventToggles } from './integrations';

const ONE = '/v1/webhook-integrations/{id}';

export function IntegrationPage({ id, deliveryId }: { id: string; deliveryId?: string }) {
  const integration = useResource(`integration:${id}`, () => api<Integration>(pathOf(ONE, { id })), 5000);
  const stats = useResource(`stats:${id}`, () => api<IntegrationStats>(pathOf(`${ONE}/delivery-stats`, { id })), 10_000);
  const i = integration.data;

  if (integration.error && !i) {
    return (
      <div class="page">
        <Back />
        <h1 tabIndex={-1}>Integration</h1>
        <ErrorNote error={integration.error} context={integration.error.status === 404 ? 'Not found' : 'Could not load the integration'} />
      </div>
    );
  }
  if (!i)
    return (
      <div class="page">
        <Back />
        <Loading what="the integration" />
      </div>
    );

  return (
    <div class="page">
      <Back />
      <div class="page-head">
        <div class="title-block">
          <h1 tabIndex={-1}>{i.name}</h1>
          <p class="title-meta">
            <IntegrationStatusBadge status={i.status} />
            <span class="labelled">
              <span class="muted">Circuit</span> <CircuitBadge circuit={i.circuit} />
            </span>
            <Mono>{i.url}</Mono>
          </p>
        </div>
        <IntegrationActions integration={i} onChanged={() => void Promise.all([integration.reload(), stats.reload()])} />
      </div>
      <CircuitNote circuit={i.circuit} />
      {i.last_error && (
        <div class="note note-warn" role="status">
          <strong>Last error</strong>
          <p>{i.last_error}</p>
        </div>
      )}
      <div class="grid-2">
        <Card title="Last hour" id="health">
          {stats.error && <ErrorNote error={stats.error} context="Could not load the statistics" />}
          {!stats.data && !stats.error && <Loading what="statistics" />}
          {stats.data && <Health stats={stats.data} />}
        </Card>
        <Card title="Settings" id="settings">
          <Settings integration={i} />
        </Card>
      </div>
      <Deliveries integrationId={i.id} deliveryId={deliveryId} onChanged={() => void stats.reload()} />
    </div>
  );
}

function Back() {
  return (
    <p class="back">
      <a href={href.integrations()}>
        <span aria-hidden="true">←</span> All integrations
      </a>
    </p>
  );
}

function Health({ stats }: { stats: IntegrationStats }) {
  const t = stats.totals;
  return (
    <>
      <dl class="kpis">
        <div>
          <dt>Deliveries</dt>
          <dd>{formatCount(t.deliveries)}</dd>
        </div>
        <div>
          <dt>Attempts</dt>
          <dd>{formatCount(t.attempts)}</dd>
        </div>
        <div>
          <dt>Succeeded</dt>
          <dd>{formatPercent(t.success_rate)}</dd>
        </div>
        <div>
          <dt>Queued now</dt>
          <dd>{formatCount(t.pending)}</dd>
        </div>
      </dl>
      <OutcomeChart buckets={stats.buckets} />
      <LatencyChart buckets={stats.buckets} />
    </>
  );
}

function Settings({ integration: i }: { integration: Integration }) {
  return (
    <dl class="settings">
      <dt>Id</dt>
      <dd>
        <Mono>{i.id}</Mono>
      </dd>
      <dt>Events</dt>
      <dd>
        <EventToggles integration={i} />
      </dd>
      <dt>Audit actions</dt>
      <dd>
        {i.filter_for_actions.length === 0 ? (
          'Every action'
        ) : (
          <ul class="chips">
            {i.filter_for_actions.map((a) => (
              <li key={a}>
                <code>{a}</code>
              </li>
            ))}
          </ul>
        )}
      </dd>
      <dt>Headers</dt>
      <dd>{i.headers.length === 0 ? <span class="muted">None</span> : <HeaderList headers={i.headers} />}</dd>
      <dt>Created</dt>
      <dd>
        <Time iso={i.created_at} absolute />
      </dd>
      <dt>Updated</dt>
      <dd>
        <Time iso={i.updated_at} absolute />
      </dd>
    </dl>
  );
}

/** Header values are credentials: hidden until asked for, one at a time; redacted ones cannot be shown at all. */
function HeaderList({ headers }: { headers: Header[] }) {
  const [shown, setShown] = useState<Set<number>>(new Set());
  const toggle = (n: number) =>
    setShown((s) => {
      const next = new Set(s);
      if (!next.delete(n)) next.add(n);
      return next;
    });
  return (
    <ul class="headers">
      {headers.map((h, n) => (
        <li key={`${h.key}${n}`}>
          <code class="header-key">{h.key}</code>
          {h.redacted ? (
            <span class="redacted" title="Your role may not read header values">
              <span aria-hidden="true">🔒</span> redacted
            </span>
          ) : (
            <>
              <code class="header-value" data-testid="header-value">
                {shown.has(n) ? h.value : '••••••••'}
              </code>
              <button type="button" class="btn btn-quiet btn-small" aria-pressed={shown.has(n)} onClick={() => toggle(n)}>
                {shown.has(n) ? 'Hide' : 'Show'}
                <span class="sr-only"> the value of {h.key}</span>
              </button>
            </>
          )}
        </li>
      ))}
    </ul>
  );
}
