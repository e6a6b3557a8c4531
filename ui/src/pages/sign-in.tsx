import { useState } from 'preact/hooks';
import { api } from '../lib/api';
import { useAction } from '../lib/use-action';
import type { Caller } from '../lib/types';
import { Button, ErrorNote } from '../components/ui';

/** Paste an API key; it is checked against the API (GET /v1/caller) before it is kept for this tab. */
export function SignIn({ onSignedIn }: { onSignedIn: (key: string, caller: Caller) => void }) {
  const [key, setKey] = useState('');
  const signingIn = useAction();

  async function submit(e: Event) {
    e.preventDefault();
    const trimmed = key.trim();
    if (!trimmed) return;
    const caller = await signingIn.run('sign-in', () => api<Caller>('/v1/caller', { key: trimmed }));
    if (caller) onSignedIn(trimmed, caller);
  }

  return (
    <main id="main" class="sign-in">
      <div class="sign-in-card">
        <p class="brand brand-large">
          <span class="brand-mark" aria-hidden="true">
            ◆
          </span>{' '}
          Common Fate
        </p>
        <h1>Webhook integrations</h1>
        <p class="muted">Sign in with an API key to see your destinations, their health and their deliveries.</p>
        <form onSubmit={submit} aria-describedby="key-help">
          <label for="api-key">API key</label>
          <input
            id="api-key"
            name="api-key"
            type="password"
            autoComplete="off"
            spellcheck={false}
            required
            value={key}
            onInput={(e) => setKey((e.target as HTMLInputElement).value)}
            aria-invalid={signingIn.error ? 'true' : undefined}
          />
          <p id="key-help" class="help">
            Kept in this tab only (session storage) and sent as a Bearer token to this server. Create one with{' '}
            <code>npm run cli -- api-keys create --name me --role read_only</code>.
          </p>
          {signingIn.error && <ErrorNote error={signingIn.error} context={signingIn.error.status === 401 ? 'Not signed in' : undefined} />}
          <Button type="submit" variant="primary" busy={signingIn.busy === 'sign-in'}>
            Sign in
          </Button>
        </form>
      </div>
    </main>
  );
}
