import { useEffect, useRef, useState } from 'preact/hooks';
import { api, pathOf } from '../lib/api';
import { useAction } from '../lib/use-action';
import { useCan } from '../lib/caller';
import { formatMs, humanize } from '../lib/format';
import { href, navigate } from '../lib/route';
import type { Delivery, DeliveryDetail, DeliveryStatus, Page } from '../lib/types';
import { useResource } from '../lib/use-resource';
import { DeliveryStatusBadge, StatusCode } from '../components/status';
import { Button, Card, Empty, ErrorNote, Loading, Mono, TableWrap, Time } from '../components/ui';

const LIST = '/v1/webhook-integrations/{id}/deliveries';
const ONE = `${LIST}/{delivery_id}`;
const RETRY = `${ONE}/retry`;
const STATUSES: DeliveryStatus[] = ['PENDING', 'SUCCEEDED', 'FAILED'];

/** One integration's deliveries, newest first, with a status filter; the selected one opens below the list. */
export function Deliveries({ integrationId, deliveryId, onChanged }: { integrationId: string; deliveryId?: string; onChanged: () => void }) {
  const [status, setStatus] = useState<DeliveryStatus | ''>('');
  const [pages, setPages] = useState<string[]>([]); // page tokens followed, for "Newer" / "Older"
  const token = pages.at(-1);
  const query = `?page_size=25${status ? `&status=${status}` : ''}${token ? `&page_token=${encodeURIComponent(token)}` : ''}`;
  const list = useResource(`deliveries:${integrationId}${query}`, () => api<Page<Delivery>>(pathOf(LIST, { id: integrationId }) + query), 5000);
  const can = useCan();
  const mayRetry = can('POST', RETRY);
  const retrying = useAction();

  const retry = (d: Delivery) =>
    retrying.run(d.id, async () => {
      await api(pathOf(RETRY, { id: integrationId, delivery_id: d.id }), { method: 'POST', idempotent: true });
      await list.reload();
      onChanged();
    });

  return (
    <>
      {deliveryId && <DeliveryPanel integrationId={integrationId} deliveryId={deliveryId} mayRetry={mayRetry} onRetried={() => void list.reload()} />}
      <Card
        title="Deliveries"
        id="deliveries"
        actions={
          <div class="field field-inline">
            <label for="delivery-status">Status</label>
            <select
              id="delivery-status"
              value={status}
              onChange={(e) => {
                setStatus((e.target as HTMLSelectElement).value as DeliveryStatus | '');
                setPages([]);
              }}
            >
              <option value="">Any</option>
              {STATUSES.map((s) => (
                <option key={s} value={s}>
                  {humanize(s)}
                </option>
              ))}
            </select>
          </div>
        }
      >
        {list.error && <ErrorNote error={list.error} context="Could not load the deliveries" />}
        {retrying.error && <ErrorNote error={retrying.error} context="The retry was refused" />}
        {!list.data && !list.error && <Loading what="deliveries" />}
        {list.data && list.data.items.length === 0 && (
          <Empty>{status ? `No ${status.toLowerCase()} deliveries.` : 'No deliveries yet: events that match this integration will appear here.'}</Empty>
        )}
        {list.data && list.data.items.length > 0 && (
          <TableWrap label="Deliveries">
            <thead>
              <tr>
                <th scope="col">Status</th>
                <th scope="col">Event</th>
                <th scope="col" class="num">
                  Attempts
                </th>
                <th scope="col">Last status</th>
                <th scope="col">Next attempt</th>
                <th scope="col">Created</th>
                {mayRetry && (
                  <th scope="col">
                    <span class="sr-only">Actions</span>
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((d) => (
                <tr key={d.id} data-delivery={d.id} aria-current={d.id === deliveryId ? 'true' : undefined} class={d.id === deliveryId ? 'selected' : ''}>
                  <td>
                    <DeliveryStatusBadge status={d.status} />
                  </td>
                  <td class="name-cell">
                    <a href={href.delivery(integrationId, d.id)} class="row-link">
                      {d.event_type === 'audit_log' ? 'Audit log event' : 'Authorization event'}
                    </a>
                    <Mono>{d.event_id}</Mono>
                  </td>
                  <td class="num">{d.attempt_count}</td>
                  <td>{d.attempt_count === 0 ? <span class="muted">—</span> : <StatusCode code={d.last_status_code} />}</td>
                  <td>{d.next_attempt_at ? <Time iso={d.next_attempt_at} /> : <span class="muted">—</span>}</td>
                  <td>
                    <Time iso={d.created_at} />
                  </td>
                  {mayRetry && (
                    <td>
                      {d.status === 'FAILED' ? (
                        <Button class="btn-small" onClick={() => void retry(d)} busy={retrying.busy === d.id}>
                          Retry<span class="sr-only"> delivery {d.id}</span>
                        </Button>
                      ) : null}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </TableWrap>
        )}
        {(pages.length > 0 || list.data?.next_page_token) && (
          <nav class="pager" aria-label="Delivery pages">
            <Button variant="quiet" disabled={pages.length === 0} onClick={() => setPages(pages.slice(0, -1))}>
              ← Newer
            </Button>
            <Button variant="quiet" disabled={!list.data?.next_page_token} onClick={() => setPages([...pages, list.data!.next_page_token!])}>
              Older →
            </Button>
          </nav>
        )}
      </Card>
    </>
  );
}

/** One delivery and every attempt: time, status code, duration, the response excerpt and the error. */
function DeliveryPanel(props: { integrationId: string; deliveryId: string; mayRetry: boolean; onRetried: () => void }) {
  const { integrationId, deliveryId } = props;
  const detail = useResource(`delivery:${deliveryId}`, () => api<DeliveryDetail>(pathOf(ONE, { id: integrationId, delivery_id: deliveryId })), 3000);
  const retrying = useAction();
  const d = detail.data;
  const panel = useRef<HTMLDivElement>(null);
  // Opening a delivery brings its panel into view and moves focus there, as following a link would.
  useEffect(() => {
    panel.current?.scrollIntoView({ block: 'start' });
    panel.current?.querySelector<HTMLElement>('h2')?.focus({ preventScroll: true });
  }, [deliveryId]);

  const retry = () =>
    retrying.run('retry', async () => {
      await api(pathOf(RETRY, { id: integrationId, delivery_id: deliveryId }), { method: 'POST', idempotent: true });
      await detail.reload();
      props.onRetried();
    });

  return (
    <div ref={panel} class="anchor">
      <Card
        id="delivery"
        class="delivery-panel"
        title={
          <>
            Delivery <Mono>{deliveryId}</Mono>
          </>
        }
        actions={
          <>
            {props.mayRetry && d && (
              <Button onClick={() => void retry()} busy={retrying.busy === 'retry'} variant="primary">
                Retry now
              </Button>
            )}
            <Button variant="quiet" onClick={() => navigate(href.integration(integrationId))}>
              Close
            </Button>
          </>
        }
      >
        {detail.error && <ErrorNote error={detail.error} context="Could not load the delivery" />}
        {retrying.error && <ErrorNote error={retrying.error} context="The retry was refused" />}
        {!d && !detail.error && <Loading what="the delivery" />}
        {d && (
          <>
            <dl class="settings settings-wide">
              <dt>Status</dt>
              <dd>
                <DeliveryStatusBadge status={d.status} />
                {d.status === 'PENDING' && d.next_attempt_at && (
                  <span class="muted">
                    {' '}
                    next attempt <Time iso={d.next_attempt_at} />
                  </span>
                )}
              </dd>
              <dt>Event</dt>
              <dd>
                {d.event_type === 'authorization' ? (
                  <a href={href.evaluation(d.event_id)}>
                    <Mono>{d.event_id}</Mono>
                  </a>
                ) : (
                  <Mono>{d.event_id}</Mono>
                )}{' '}
                <span class="muted">(sent as webhook-id)</span>
              </dd>
              <dt>Created</dt>
              <dd>
                <Time iso={d.created_at} absolute />
              </dd>
              {d.delivered_at && (
                <>
                  <dt>Delivered</dt>
                  <dd>
                    <Time iso={d.delivered_at} absolute />
                  </dd>
                </>
              )}
            </dl>
            <h3>Attempts</h3>
            {d.attempts.length === 0 ? (
              <Empty>No attempt yet.</Empty>
            ) : (
              <ol class="attempts" reversed>
                {[...d.attempts].reverse().map((a, n) => (
                  <li key={a.id} class="attempt" data-attempt={a.id}>
                    <div class="attempt-head">
                      <span class="attempt-n">#{d.attempts.length - n}</span>
                      <StatusCode code={a.status_code} />
                      <span>
                        <span class="muted">took</span> {formatMs(a.duration_ms)}
                      </span>
                      <Time iso={a.attempted_at} absolute />
                    </div>
                    {a.error && (
                      <p class="attempt-error">
                        <strong>Error:</strong> {a.error}
                      </p>
                    )}
                    {a.response_excerpt !== null && a.response_excerpt !== '' && (
                      <details open={n === 0}>
                        <summary>Response body (first 4 KiB)</summary>
                        <pre class="excerpt">{a.response_excerpt}</pre>
                      </details>
                    )}
                  </li>
                ))}
              </ol>
            )}
          </>
        )}
      </Card>
    </div>
  );
}
