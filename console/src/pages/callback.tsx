import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'wouter-preact';
import { completeSignIn } from '../oidc.ts';
import { useSession } from '../session.ts';

/** Where the IdP sends the browser back with the authorization code. */
export function CallbackPage() {
  const state = useSession();
  const [, navigate] = useLocation();
  const [problem, setProblem] = useState<string | undefined>(undefined);
  useEffect(() => {
    const auth = state.config.auth;
    if (auth.kind !== 'oidc') {
      navigate('/');
      return;
    }
    completeSignIn(auth).then(
      (returnTo) => navigate(returnTo.startsWith('/console/') ? returnTo.slice('/console'.length) : '/'),
      (error: unknown) => setProblem(String(error)),
    );
  }, [state.config.auth, navigate]);
  return (
    <section>
      <h1>Signing in</h1>
      {problem === undefined ? <p>One moment…</p> : <p class="error">{problem}</p>}
    </section>
  );
}
