import { useState } from 'preact/hooks';
import { api, pathOf } from '../lib/api';
import { useAction } from '../lib/use-action';
import { useCan } from '../lib/caller';
import { formatCount, formatMs } from '../lib/format';
import type { Integration, RecoverResult, SigningSecret, TestResult } from '../lib/types';
import { Button, ErrorNote, Time } from '../components/ui';

const ONE = '/v1/webhook-integrations/{id}';
const PATHS = {
  test: `${ONE}/test`,
  pause: `${ONE}/pause`,
  resume: `${ONE}/resume`,
  recover: `${ONE}/recover`,
  secret: `${ONE}/secret`,
  rotate: `${ONE}/secret/rotate`,
};

/**
 * The actions on one integration, each shown only when the API serves it and the caller's policies allow it
 * (GET /v1/caller); a read-only principal sees none. Pause, resume and recover appear once the API has them.
 */
export function IntegrationActions({ integration: i, onChanged }: { integration: Integration; onChanged: () => void }) {
  const can = useCan();
  const action = useAction();
  const [outcome, setOutcome] = useState<{ kind: 'ok' | 'bad'; text: string; context: string }>();
  const [panel, setPanel] = useState<'secret' | 'recover'>();
  const params = { id: i.id };
  const busy = action.busy;

  const [context, setContext] = useState('');

  async function run(name: string, failure: string, work: () => Promise<{ kind: 'ok' | 'bad'; text: string }>) {
    setOutcome(undefined);
    setContext(failure);
    const done = await action.run(name, work);
    if (done) setOutcome({ ...done, context: failure });
    onChanged();
  }

  const sendTest = () =>
    run('test', 'The test event could not be sent', async () => {
      const r = await api<TestResult>(pathOf(PATHS.test, params), { method: 'POST' });
      const a = r.attempt;
      const what = a.status_code === null ? `no response (${a.error ?? 'unknown error'})` : `HTTP ${a.status_code}`;
      return {
        kind: r.delivered ? 'ok' : 'bad',
        text: `Test event ${r.event_id}: ${r.delivered ? 'delivered' : 'not delivered'}, ${what} in ${formatMs(a.duration_ms)}.`,
      };
    });
  const setPaused = (pause: boolean) =>
    run(pause ? 'pause' : 'resume', pause ? 'Could not pause' : 'Could not resume', async () => {
      await api(pathOf(pause ? PATHS.pause : PATHS.resume, params), { method: 'POST' });
      return { kind: 'ok', text: pause ? 'Paused: events queue, nothing is attempted.' : 'Resumed: queued deliveries go out, oldest first.' };
    });

  const canPause = can('POST', PATHS.pause) && i.status !== 'PAUSED';
  const canResume = can('POST', PATHS.resume) && i.status === 'PAUSED';
  const canRecover = can('POST', PATHS.recover);
  const canSecret = can('GET', PATHS.secret) || can('POST', PATHS.rotate);
  const any = can('POST', PATHS.test) || canPause || canResume || canRecover || canSecret;
  if (!any) return null;

  return (
    <div class="actions-block">
      <div class="toolbar" role="toolbar" aria-label="Integration actions">
        {can('POST', PATHS.test) && (
          <Button onClick={sendTest} busy={busy === 'test'} variant="primary">
            Send test event
          </Button>
        )}
        {canPause && (
          <Button onClick={() => setPaused(true)} busy={busy === 'pause'}>
            Pause
          </Button>
        )}
        {canResume && (
          <Button onClick={() => setPaused(false)} busy={busy === 'resume'} variant="primary">
            Resume
          </Button>
        )}
        {canRecover && (
          <Button onClick={() => setPanel(panel === 'recover' ? undefined : 'recover')} aria-expanded={panel === 'recover'} aria-controls="recover-panel">
            Recover failed…
          </Button>
        )}
        {canSecret && (
          <Button onClick={() => setPanel(panel === 'secret' ? undefined : 'secret')} aria-expanded={panel === 'secret'} aria-controls="secret-panel">
            Signing secret
          </Button>
        )}
      </div>
      <div aria-live="polite" class="outcome">
        {outcome && (
          <p class={`note ${outcome.kind === 'ok' ? 'note-ok' : 'note-warn'}`} data-testid="action-outcome">
            {outcome.text}
          </p>
        )}
        {action.error && <ErrorNote error={action.error} context={context} />}
      </div>
      {panel === 'recover' && <RecoverPanel id={i.id} onDone={onChanged} />}
      {panel === 'secret' && <SecretPanel id={i.id} mayRead={can('GET', PATHS.secret)} mayRotate={can('POST', PATHS.rotate)} />}
    </div>
  );
}

/** The signing secret is fetched only when asked for, shown until hidden, and never kept. */
function SecretPanel({ id, mayRead, mayRotate }: { id: string; mayRead: boolean; mayRotate: boolean }) {
  const [secret, setSecret] = useState<SigningSecret>();
  const action = useAction();
  const [confirming, setConfirming] = useState(false);

  async function load(rotate: boolean) {
    const got = await action.run(rotate ? 'rotate' : 'reveal', () =>
      api<SigningSecret>(pathOf(rotate ? PATHS.rotate : PATHS.secret, { id }), rotate ? { method: 'POST', idempotent: true } : {})
    );
    if (got) {
      setSecret(got);
      setConfirming(false);
    }
  }

  return (
    <section id="secret-panel" class="panel" aria-labelledby="secret-title">
      <h2 id="secret-title" class="h3">
        Signing secret
      </h2>
      <p class="muted">
        Receivers verify the <code>webhook-signature</code> header with it (Standard Webhooks).
      </p>
      {secret ? (
        <div class="secret">
          <label for="secret-value">Secret</label>
          <input id="secret-value" readOnly value={secret.secret} class="mono" onFocus={(e) => (e.target as HTMLInputElement).select()} />
          <Button onClick={() => void navigator.clipboard?.writeText(secret.secret)}>Copy</Button>
          <Button variant="quiet" onClick={() => setSecret(undefined)}>
            Hide
          </Button>
          {secret.previous_secret_expires_at && (
            <p class="help">
              The previous secret keeps signing too until <Time iso={secret.previous_secret_expires_at} absolute />.
            </p>
          )}
        </div>
      ) : (
        mayRead && (
          <Button onClick={() => void load(false)} busy={action.busy === 'reveal'}>
            Reveal secret
          </Button>
        )
      )}
      {mayRotate &&
        (confirming ? (
          <div class="confirm" role="group" aria-label="Confirm rotation">
            <p>Rotate now? The current secret keeps signing beside the new one for 24 hours, so receivers can switch.</p>
            <Button variant="danger" onClick={() => void load(true)} busy={action.busy === 'rotate'}>
              Rotate the secret
            </Button>
            <Button variant="quiet" onClick={() => setConfirming(false)}>
              Cancel
            </Button>
          </div>
        ) : (
          <Button variant="quiet" onClick={() => setConfirming(true)}>
            Rotate…
          </Button>
        ))}
      {action.error && <ErrorNote error={action.error} context="Signing secret" />}
    </section>
  );
}

/** `datetime-local` value (local time, minutes) of a date. */
function localInput(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** Re-queue the FAILED deliveries of a time window (POST …/recover), e.g. those of an outage at the receiver. */
function RecoverPanel({ id, onDone }: { id: string; onDone: () => void }) {
  const [since, setSince] = useState(() => localInput(new Date(Date.now() - 24 * 3600_000)));
  const [until, setUntil] = useState('');
  const action = useAction();
  const [result, setResult] = useState<string>();

  async function submit(e: Event) {
    e.preventDefault();
    setResult(undefined);
    const body: Record<string, string> = { since: new Date(since).toISOString() };
    if (until) body.until = new Date(until).toISOString();
    const res = await action.run('recover', () => api<RecoverResult>(pathOf(PATHS.recover, { id }), { method: 'POST', body, idempotent: true }));
    if (res === undefined) return;
    const n = res.queued;
    setResult(
      n === 0
        ? 'No failed delivery created in that window is left to queue (any recovered already are pending).'
        : `${formatCount(n)} failed deliver${n === 1 ? 'y' : 'ies'} queued again, oldest first.`
    );
    onDone();
  }

  return (
    <section id="recover-panel" class="panel" aria-labelledby="recover-title">
      <h2 id="recover-title" class="h3">
        Recover failed deliveries
      </h2>
      <p class="muted">
        Queues the FAILED deliveries created in this window again, with the same <code>webhook-id</code> and a fresh retry budget, oldest first.
      </p>
      <form onSubmit={submit} class="inline-form">
        <div class="field">
          <label for="recover-since">Created from</label>
          <input id="recover-since" type="datetime-local" required value={since} onInput={(e) => setSince((e.target as HTMLInputElement).value)} />
        </div>
        <div class="field">
          <label for="recover-until">Until (optional, default now)</label>
          <input id="recover-until" type="datetime-local" value={until} onInput={(e) => setUntil((e.target as HTMLInputElement).value)} />
        </div>
        <Button type="submit" variant="primary" busy={action.busy === 'recover'}>
          Queue them again
        </Button>
      </form>
      <div aria-live="polite">{result && <p class="note note-ok">{result}</p>}</div>
      {action.error && <ErrorNote error={action.error} context="Recovery" />}
    </section>
  );
}
