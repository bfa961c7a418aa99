import { useEffect } from 'preact/hooks';
import { Link, Route, Router, Switch, useLocation } from 'wouter-preact';
import { BASE_PATH } from './config.ts';
import { type ConsoleRoute, routes } from './routes.ts';
import { needsSignIn, setToken, useSession } from './session.ts';

/** The shell: a skip link, the header with the navigation and who is signed in, and the page. */
export function App() {
  return (
    <Router base={BASE_PATH}>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="top">
        <Link href="/" class="brand">
          Tally console
        </Link>
        <nav aria-label="Main">
          <ul>
            {routes
              .filter((route) => route.nav !== false)
              .map((route) => (
                <li key={route.path}>
                  <NavLink route={route} />
                </li>
              ))}
          </ul>
        </nav>
        <SessionStatus />
      </header>
      <main id="main" tabIndex={-1}>
        <Switch>
          {routes.map((route) => (
            <Route key={route.path} path={route.path}>
              {(params) => <Page route={route} params={params} />}
            </Route>
          ))}
          <Route>
            <h1>Not found</h1>
            <p>
              No page here. <Link href="/">Find a wallet</Link>.
            </p>
          </Route>
        </Switch>
      </main>
    </Router>
  );
}

function NavLink({ route }: { route: ConsoleRoute }) {
  const [location] = useLocation();
  const current = route.path === '/' ? location === '/' : location.startsWith(route.path);
  return (
    <Link href={route.path} aria-current={current ? 'page' : undefined}>
      {route.title}
    </Link>
  );
}

function Page({ route, params }: { route: ConsoleRoute; params: Record<string, string | undefined> }) {
  const state = useSession();
  useEffect(() => {
    document.title = `${route.title} · Tally console`;
  }, [route.title]);
  const Component = route.component;
  // Pages that call the API wait for a token when the API needs one.
  if (needsSignIn(state) && route.path !== '/sign-in' && route.path !== '/callback') {
    return (
      <section aria-labelledby="sign-in-needed">
        <h1 id="sign-in-needed">Sign in</h1>
        <p>The API checks tokens. Sign in to see this page.</p>
        <Link href={signInHref()} class="button">
          Sign in
        </Link>
      </section>
    );
  }
  return <Component params={params} />;
}

/** The sign-in page, coming back to this page afterwards. */
const signInHref = () =>
  location.pathname.endsWith('/sign-in')
    ? '/sign-in'
    : `/sign-in?return=${encodeURIComponent(location.pathname + location.search)}`;

function SessionStatus() {
  const state = useSession();
  if (state.config.auth.kind === 'off') {
    return (
      <p class="session" data-testid="session">
        Auth off: no sign-in needed
      </p>
    );
  }
  if (state.token === undefined) {
    return (
      <p class="session" data-testid="session">
        <Link href={signInHref()}>Sign in</Link>
      </p>
    );
  }
  return (
    <p class="session" data-testid="session">
      Signed in{' '}
      <button type="button" class="link" onClick={() => setToken(undefined)}>
        Sign out
      </button>
    </p>
  );
}
