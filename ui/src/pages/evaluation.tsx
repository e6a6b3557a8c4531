import { useState } from 'preact/hooks';
import { api, pathOf } from '../lib/api';
import { href, navigate } from '../lib/route';
import type { AuthorizationEvent } from '../lib/types';
import { useResource } from '../lib/use-resource';
import { Button, Card, ErrorNote, Loading, Mono, Time } from '../components/ui';

/** Inspect one authorization event by id: who asked for what, the decision, and the policies that made it. */
export function EvaluationInspector({ id }: { id?: string }) {
  const [input, setInput] = useState(id ?? '');
  return (
    <div class="page">
      <div class="page-head">
        <div>
          <h1 tabIndex={-1}>Authorization events</h1>
          <p class="muted">Every API call's decision is stored; audit events name theirs in context.authz.eval.</p>
        </div>
        <form
          class="filters"
          role="search"
          onSubmit={(e) => {
            e.preventDefault();
            if (input.trim()) navigate(href.evaluation(input.trim()));
          }}
        >
          <div class="field">
            <label for="eval-id">Evaluation id</label>
            <input
              id="eval-id"
              class="mono"
              value={input}
              placeholder="eval_…"
              spellcheck={false}
              onInput={(e) => setInput((e.target as HTMLInputElement).value)}
            />
          </div>
          <Button type="submit" variant="primary">
            Inspect
          </Button>
        </form>
      </div>
      {id && <Evaluation key={id} id={id} />}
    </div>
  );
}

function Evaluation({ id }: { id: string }) {
  const ev = useResource(`eval:${id}`, () => api<AuthorizationEvent>(pathOf('/v1/authorization-evaluations/{id}', { id })));
  if (ev.error) return <ErrorNote error={ev.error} context={ev.error.status === 404 ? `No evaluation ${id}` : 'Could not load the evaluation'} />;
  const e = ev.data;
  if (!e) return <Loading what="the evaluation" />;
  const entity = (x: { type: string; id: string }) => <Mono>{`${x.type}::"${x.id}"`}</Mono>;
  return (
    <Card
      id="evaluation"
      title={
        <>
          <span class={`badge ${e.allowed ? 'badge-ok' : 'badge-bad'}`} data-testid="decision">
            <span class="badge-icon" aria-hidden="true">
              {e.allowed ? '●' : '✕'}
            </span>
            {e.allowed ? 'Allowed' : 'Denied'}
          </span>{' '}
          <Mono>{e.id}</Mono>
        </>
      }
    >
      <dl class="settings settings-wide">
        <dt>Principal</dt>
        <dd>{entity(e.request.principal)}</dd>
        <dt>Action</dt>
        <dd>{entity(e.request.action)}</dd>
        <dt>Resource</dt>
        <dd>{entity(e.request.resource)}</dd>
        <dt>Tags</dt>
        <dd>{e.request.tags.map((t) => `${t.key} = ${t.value}`).join(', ') || '—'}</dd>
        <dt>Decision</dt>
        <dd>
          {e.decision} ({e.allowed ? 'allow' : 'deny'})
        </dd>
        <dt>Decided by</dt>
        <dd>
          {e.diagnostics.reason.length ? (
            <ul class="chips">
              {e.diagnostics.reason.map((r) => (
                <li key={r}>
                  <code>{r}</code>
                </li>
              ))}
            </ul>
          ) : (
            <span class="muted">no policy permitted it (default deny)</span>
          )}
        </dd>
        {e.diagnostics.errors.length > 0 && (
          <>
            <dt>Errors</dt>
            <dd>{e.diagnostics.errors.join('; ')}</dd>
          </>
        )}
        <dt>Evaluated</dt>
        <dd>
          <Time iso={e.evaluated_at} absolute /> <span class="muted">in {e.evaluation_duration}</span>
        </dd>
      </dl>
      <details>
        <summary>The event as delivered (JSON)</summary>
        <pre class="excerpt">{JSON.stringify(e, null, 2)}</pre>
      </details>
    </Card>
  );
}
