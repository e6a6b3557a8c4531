import type { ButtonHTMLAttributes, ComponentChildren } from 'preact';
import type { ApiError } from '../lib/api';
import { formatDateTime, formatRelative } from '../lib/format';

export function Card(props: { title?: ComponentChildren; id?: string; actions?: ComponentChildren; children: ComponentChildren; class?: string }) {
  const headingId = props.id ? `${props.id}-title` : undefined;
  return (
    <section class={`card ${props.class ?? ''}`} aria-labelledby={headingId} id={props.id}>
      {(props.title || props.actions) && (
        <header class="card-head">
          {props.title && (
            <h2 id={headingId} tabIndex={-1}>
              {props.title}
            </h2>
          )}
          {props.actions && <div class="card-actions">{props.actions}</div>}
        </header>
      )}
      {props.children}
    </section>
  );
}

type ButtonProps = Omit<ButtonHTMLAttributes<HTMLButtonElement>, 'type'> & {
  variant?: 'primary' | 'danger' | 'quiet';
  busy?: boolean;
  disabled?: boolean;
  type?: 'button' | 'submit';
};

/** A button; `busy` disables it and says so to assistive technology while its action runs. */
export function Button({ variant, busy, disabled, type = 'button', children, class: cls, ...rest }: ButtonProps) {
  return (
    <button
      {...rest}
      type={type}
      class={`btn ${variant ? `btn-${variant}` : ''} ${cls ?? ''}`}
      disabled={disabled || busy}
      aria-busy={busy ? 'true' : undefined}
    >
      {busy && <span class="spinner" aria-hidden="true" />}
      {children}
    </button>
  );
}

/** An API error for people: its title and detail, and every validation problem with its field. */
export function ErrorNote({ error, context }: { error: ApiError; context?: string }) {
  const p = error.problem;
  return (
    <div class="note note-error" role="alert">
      <strong>
        {context ? `${context}: ` : ''}
        {p.title ?? 'Something went wrong'}
      </strong>
      {p.detail && <p>{p.detail}</p>}
      {p.errors && p.errors.length > 0 && (
        <ul>
          {p.errors.map((e) => (
            <li key={e.path}>
              <code>{e.path || '(body)'}</code> {e.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="muted loading" role="status">
      <span class="spinner" aria-hidden="true" /> Loading {what}…
    </p>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="empty">{children}</p>;
}

/** A table that scrolls sideways on narrow screens instead of squeezing its columns; `label` names it. */
export function TableWrap({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <div class="table-wrap" role="region" aria-label={label} tabIndex={0}>
      <table>{children}</table>
    </div>
  );
}

/** A time as "3 minutes ago", the exact local time on hover and in `datetime`. */
export function Time({ iso, absolute }: { iso: string | null; absolute?: boolean }) {
  if (!iso) return <span class="muted">—</span>;
  return (
    <time dateTime={iso} title={formatDateTime(iso)}>
      {absolute ? formatDateTime(iso) : formatRelative(iso)}
    </time>
  );
}

/** Text kept as is (ids, URLs), breaking anywhere rather than overflowing. */
export function Mono({ children, title }: { children: ComponentChildren; title?: string }) {
  return (
    <code class="mono" title={title}>
      {children}
    </code>
  );
}
