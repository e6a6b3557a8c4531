import { useEffect, useState } from 'preact/hooks';
import { AUDIT_ACTIONS } from '../../../contract/audit-actions';
import { api } from '../lib/api';
import { useAction } from '../lib/use-action';
import { href } from '../lib/route';
import type { AuditEvent, Page } from '../lib/types';
import { Button, Empty, ErrorNote, Loading, Mono, TableWrap, Time } from '../components/ui';

/** The audit log, newest first unless asked otherwise, with an action filter; each event links to its authorization. */
export function AuditLog() {
  const [action, setAction] = useState('');
  const [order, setOrder] = useState<'desc' | 'asc'>('desc');
  const [items, setItems] = useState<AuditEvent[]>();
  const [next, setNext] = useState<string>();
  const loading = useAction();

  const load = (token: string | undefined, forAction: string, append: boolean) =>
    loading.run('load', async () => {
      const q = new URLSearchParams({ page_size: '50', order });
      if (forAction) q.set('action', forAction);
      if (token) q.set('page_token', token);
      const page = await api<Page<AuditEvent>>(`/v1/audit-events?${q}`);
      setItems((old) => (append && old ? [...old, ...page.items] : page.items));
      setNext(page.next_page_token);
    });

  useEffect(() => {
    setItems(undefined);
    void load(undefined, action, false);
  }, [action, order]);

  return (
    <div class="page">
      <div class="page-head">
        <div>
          <h1 tabIndex={-1}>Audit log</h1>
          <p class="muted">Every grant and proxy session change, exactly as delivered to webhooks.</p>
        </div>
        <form class="filters" onSubmit={(e) => e.preventDefault()}>
          <div class="field">
            <label for="audit-action">Action</label>
            <select id="audit-action" value={action} onChange={(e) => setAction((e.target as HTMLSelectElement).value)}>
              <option value="">Every action</option>
              {AUDIT_ACTIONS.map((a) => (
                <option key={a} value={a}>
                  {a}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="audit-order">Order</label>
            <select id="audit-order" value={order} onChange={(e) => setOrder((e.target as HTMLSelectElement).value as 'desc' | 'asc')}>
              <option value="desc">Newest first</option>
              <option value="asc">Oldest first</option>
            </select>
          </div>
        </form>
      </div>
      {loading.error && <ErrorNote error={loading.error} context="Could not load the audit log" />}
      {!items && !loading.error && <Loading what="audit events" />}
      {items && items.length === 0 && <Empty>{action ? `No ${action} events.` : 'No audit events yet.'}</Empty>}
      {items && items.length > 0 && (
        <div class="card">
          <TableWrap label="Audit events">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Action</th>
                <th scope="col">Actor</th>
                <th scope="col">Message</th>
                <th scope="col">Targets</th>
                <th scope="col">Authorization</th>
              </tr>
            </thead>
            <tbody>
              {items.map((e) => (
                <tr key={e.id} data-event={e.id}>
                  <td>
                    <Time iso={e.occurred_at} absolute />
                  </td>
                  <td>
                    <code class="action">{e.action}</code>
                  </td>
                  <td>
                    <span title={`${e.actor.type}::"${e.actor.id}"`}>{e.actor.name || e.actor.id}</span>
                    {e.actor.email && <span class="muted small"> {e.actor.email}</span>}
                  </td>
                  <td>{e.message}</td>
                  <td>
                    <ul class="targets">
                      {e.targets.map((t) => (
                        <li key={`${t.type}${t.id}`}>
                          <span class="muted">{t.type}</span> <Mono>{t.id}</Mono>
                        </li>
                      ))}
                    </ul>
                  </td>
                  <td>
                    {e.context.authz.eval ? (
                      <a href={href.evaluation(e.context.authz.eval)} data-testid="eval-link">
                        <Mono>{e.context.authz.eval}</Mono>
                      </a>
                    ) : (
                      <span class="muted" title="The control plane's own step (e.g. expiry): no API call caused it">
                        none
                      </span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </TableWrap>
          {next && (
            <p class="pad">
              <Button onClick={() => void load(next, action, true)} busy={loading.busy === 'load'}>
                Load more
              </Button>
            </p>
          )}
        </div>
      )}
    </div>
  );
}
