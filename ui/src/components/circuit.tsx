import { formatCount } from '../lib/format';
import type { Circuit } from '../lib/types';
import { Badge, type Tone } from './status';
import { Time } from './ui';

/**
 * A destination's delivery circuit breaker (api/delivery/circuit.ts) as an operator reads it: the state, why it
 * is there (failures in a row), what it allows now (attempts in flight) and what happens next (the probe).
 *
 * next_probe_at is when the worker may send the next probe. Once it has passed, the next due delivery is the
 * probe, so a past time reads as "due" rather than as a time that was missed.
 */

const STATE: Record<Circuit['state'], { tone: Tone; label: string; title: string }> = {
  CLOSED: { tone: 'ok', label: 'Closed', title: 'Delivering normally.' },
  OPEN: { tone: 'bad', label: 'Open', title: 'Attempts failed: one probe at a time, spaced out; queued deliveries wait.' },
  HALF_OPEN: { tone: 'warn', label: 'Half open', title: 'Recovering: the attempts allowed in flight double with each success until the circuit closes.' },
};

export function CircuitBadge({ circuit }: { circuit: Circuit }) {
  const s = STATE[circuit.state] ?? { tone: 'off' as Tone, label: circuit.state, title: '' };
  return <Badge {...s} />;
}

const failures = (n: number) => `${formatCount(n)} failure${n === 1 ? '' : 's'} in a row`;

/** Whether the probe's time has come (or none is set): the next due delivery goes out as the probe. */
const probeDue = (c: Circuit, now: number) => c.next_probe_at === null || Date.parse(c.next_probe_at) <= now;

/** The badge and, when the circuit is not closed, one line saying why and what comes next (the list's cell). */
export function CircuitCell({ circuit: c }: { circuit: Circuit }) {
  return (
    <div class="circuit-cell" data-circuit={c.state}>
      <CircuitBadge circuit={c} />
      {c.state === 'OPEN' && (
        <span class="cell-note">
          {failures(c.consecutive_failures)} ·{' '}
          {probeDue(c, Date.now()) ? (
            'probe due'
          ) : (
            <>
              probe <Time iso={c.next_probe_at} />
            </>
          )}
        </span>
      )}
      {c.state === 'HALF_OPEN' && <span class="cell-note">{formatCount(c.max_in_flight ?? 1)} in flight allowed</span>}
    </div>
  );
}

/**
 * What an open or half-open circuit means for this integration's deliveries, with its figures (the integration
 * page shows it under the title, where the last error is). Nothing for a closed circuit.
 */
export function CircuitNote({ circuit: c }: { circuit: Circuit }) {
  if (c.state === 'CLOSED') return null;
  const open = c.state === 'OPEN';
  return (
    <section class={`note ${open ? 'note-error' : 'note-warn'} circuit-note`} aria-labelledby="circuit-title" data-testid="circuit-note">
      <strong id="circuit-title">{open ? 'Delivery circuit open' : 'Delivery circuit half open'}</strong>
      <p>
        {open
          ? 'Attempts to this destination failed, so it is sent one attempt at a time (a probe), spaced out. Queued deliveries wait for it to answer and spend no retries meanwhile.'
          : 'A probe succeeded: the attempts allowed in flight double with each success until the circuit closes. A failure opens it again.'}
      </p>
      <dl class="circuit-facts">
        <div>
          <dt>{open ? 'Opened' : 'Half open since'}</dt>
          <dd data-field="changed_at">
            <Time iso={c.changed_at} />
          </dd>
        </div>
        <div>
          <dt>Failures in a row</dt>
          <dd data-field="consecutive_failures">{formatCount(c.consecutive_failures)}</dd>
        </div>
        <div>
          <dt>In flight allowed</dt>
          <dd data-field="max_in_flight">{formatCount(c.max_in_flight ?? 1)}</dd>
        </div>
        {open && (
          <div>
            <dt>Next probe</dt>
            <dd data-field="next_probe_at">
              {probeDue(c, Date.now()) ? (
                'Due: the next queued delivery is the probe'
              ) : (
                <>
                  <Time iso={c.next_probe_at} /> <span class="muted">(<Time iso={c.next_probe_at} absolute />)</span>
                </>
              )}
            </dd>
          </div>
        )}
      </dl>
    </section>
  );
}
