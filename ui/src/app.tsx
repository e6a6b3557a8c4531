import { useEffect, useState } from 'preact/hooks';
import { api, onSignedOut } from './lib/api';
import { CallerContext } from './lib/caller';
import { href, useRoute, type Route } from './lib/route';
import { clearKey, storedKey, storeKey } from './lib/session';
import type { Caller } from './lib/types';
import { Loading } from './components/ui';
import { AuditLog } from './pages/audit-log';
import { EvaluationInspector } from './pages/evaluation';
import { IntegrationPage } from './pages/integration';
import { IntegrationsPage } from './pages/integrations';
import { SignIn } from './pages/sign-in';

type Session = { state: 'checking' } | { state: 'signed-out' } | { state: 'signed-in'; caller: Caller };

export function App() {
  const [session, setSession] = useState<Session>(() => (storedKey() ? { state: 'checking' } : { state: 'signed-out' }));
  const route = useRoute();

  useEffect(() => onSignedOut(() => setSession({ state: 'signed-out' })), []);
  useEffect(() => {
    if (session.state !== 'checking') return;
    api<Caller>('/v1/caller').then(
      (caller) => setSession({ state: 'signed-in', caller }),
      () => {
        clearKey();
        setSession({ state: 'signed-out' });
      }
    );
  }, [session.state]);

  if (session.state === 'checking')
    return (
      <main id="main" class="center">
        <Loading what="your session" />
      </main>
    );
  if (session.state === 'signed-out') {
    return (
      <SignIn
        onSignedIn={(key, caller) => {
          storeKey(key);
          setSession({ state: 'signed-in', caller });
        }}
      />
    );
  }
  const signOut = () => {
    clearKey();
    setSession({ state: 'signed-out' });
  };
  return (
    <CallerContext.Provider value={session.caller}>
      <Shell caller={session.caller} route={route} onSignOut={signOut}>
        <View route={route} />
      </Shell>
    </CallerContext.Provider>
  );
}

function View({ route }: { route: Route }) {
  switch (route.view) {
    case 'integrations':
      return <IntegrationsPage />;
    case 'integration':
      return <IntegrationPage id={route.id} deliveryId={route.deliveryId} />;
    case 'audit':
      return <AuditLog />;
    case 'evaluation':
      return <EvaluationInspector id={route.id} />;
    case 'not-found':
      return (
        <div class="page">
          <h1>Nothing here</h1>
          <p>
            There is no view at <code>{route.path}</code>. <a href={href.integrations()}>Go to the integrations</a>.
          </p>
        </div>
      );
  }
}

function Shell(props: { caller: Caller; route: Route; onSignOut: () => void; children: preact.ComponentChildren }) {
  const { principal } = props.caller;
  const current = props.route.view;
  const link = (to: string, label: string, active: boolean) => (
    <a href={to} aria-current={active ? 'page' : undefined}>
      {label}
    </a>
  );
  // Move focus to the new view's heading when the view changes, as a page load would, for keyboard and screen readers.
  useEffect(() => {
    document.querySelector<HTMLElement>('main h1')?.focus({ preventScroll: true });
  }, [current, props.route.view === 'integration' ? props.route.id : '']);
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById('main')?.focus())}>
        Skip to content
      </a>
      <header class="topbar">
        <a class="brand" href={href.integrations()}>
          <span class="brand-mark" aria-hidden="true">
            ◆
          </span>{' '}
          Webhooks
        </a>
        <nav aria-label="Main">
          {link(href.integrations(), 'Integrations', current === 'integrations' || current === 'integration')}
          {link(href.audit(), 'Audit log', current === 'audit')}
          {link(href.evaluation(), 'Authorization events', current === 'evaluation')}
        </nav>
        <div class="who">
          <span class="who-name" title={`${principal.type}::"${principal.id}"`}>
            {principal.name || principal.id}
          </span>
          <span class={`role role-${principal.role}`}>{principal.role === 'read_only' ? 'read-only' : principal.role}</span>
          <button type="button" class="btn btn-quiet" onClick={props.onSignOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {props.children}
      </main>
    </>
  );
}
