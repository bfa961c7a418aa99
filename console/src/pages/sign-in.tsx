import { useState } from 'preact/hooks';
import { useLocation, useSearch } from 'wouter-preact';
import { beginSignIn } from '../oidc.ts';
import { setToken, tokenClaims, useSession } from '../session.ts';

/** The scopes an operator's local token needs for every console page. */
export const DEV_TOKEN_COMMAND =
  'npx tally token --ttl 8h --scope admin --scope wallets:read --scope wallets:write --scope events:read --scope rules:read';

/**
 * Sign-in. Locally with `--auth`: paste a token from the dev issuer (`npx tally token`, printed
 * below). In AWS: the IdP's login page (authorization code + PKCE). With auth off nothing is needed,
 * but a token may still be pasted (TALLY_ADMIN_TOKEN guards admin routes then).
 */
export function SignInPage() {
  const state = useSession();
  const search = new URLSearchParams(useSearch());
  const returnTo = search.get('return') ?? '/';
  const [, navigate] = useLocation();
  const [pasted, setPasted] = useState('');
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const auth = state.config.auth;
  const afterSignIn = () => {
    // returnTo is a path of this app (it came from our own link); never an outside URL.
    const inside = returnTo.startsWith('/console/') ? returnTo.slice('/console'.length) : '/';
    navigate(inside);
  };
  const usePasted = (event: Event) => {
    event.preventDefault();
    const claims = tokenClaims(pasted.trim());
    if (claims === undefined && auth.kind === 'dev-token') {
      setProblem('That is not a JWT: paste the whole line the command printed.');
      return;
    }
    setToken(pasted);
    afterSignIn();
  };
  return (
    <section aria-labelledby="sign-in-title">
      <h1 id="sign-in-title">Sign in</h1>
      {auth.kind === 'oidc' ? (
        <>
          <p>Sign in with your organisation's identity provider ({auth.issuer}).</p>
          <button
            type="button"
            onClick={() => beginSignIn(auth, returnTo).catch((error: unknown) => setProblem(String(error)))}
          >
            Sign in
          </button>
        </>
      ) : (
        <form onSubmit={usePasted} class="stack">
          {auth.kind === 'off' ? (
            <p>
              Auth is off: the API answers without a token. Paste one only if admin routes need
              TALLY_ADMIN_TOKEN.
            </p>
          ) : (
            <p>
              The local API checks tokens (<code>npm start -- --auth</code>). In a terminal, in the directory
              where Tally runs, make one with:
            </p>
          )}
          <pre class="command">
            <code>{DEV_TOKEN_COMMAND}</code>
          </pre>
          <label for="token">Token</label>
          <textarea
            id="token"
            rows={4}
            value={pasted}
            onInput={(event) => setPasted((event.target as HTMLTextAreaElement).value)}
            spellcheck={false}
            required
          />
          <button type="submit">Use this token</button>
        </form>
      )}
      {problem !== undefined && (
        <p class="error" role="alert">
          {problem}
        </p>
      )}
    </section>
  );
}
