import { useEffect, useState } from 'preact/hooks';
import type { ConsoleConfig } from './config.ts';

/**
 * Who is signed in: the console's configuration and the bearer token it sends. The token lives in
 * sessionStorage (this tab only, gone when it closes), never in localStorage or a cookie.
 */
const TOKEN_KEY = 'tally.console.token';

export interface Session {
  config: ConsoleConfig;
  /** The bearer token; undefined when signed out (or with auth off, where none is needed). */
  token: string | undefined;
}

let current: Session | undefined;
const listeners = new Set<() => void>();

export function startSession(config: ConsoleConfig): void {
  current = { config, token: sessionStorage.getItem(TOKEN_KEY) ?? undefined };
}

export function session(): Session {
  if (current === undefined) throw new Error('session(): the console has not loaded its configuration');
  return current;
}

/** Sets (or, with undefined, forgets) the token and redraws whatever uses the session. */
export function setToken(token: string | undefined): void {
  const trimmed = token?.trim();
  if (trimmed === undefined || trimmed === '') sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, trimmed);
  current = { ...session(), token: trimmed === '' ? undefined : trimmed };
  for (const listener of listeners) listener();
}

/** True when the API needs a token and there is none: the page offers sign-in instead. */
export function needsSignIn(state: Session = session()): boolean {
  return state.config.auth.kind !== 'off' && state.token === undefined;
}

/** The session, redrawn on sign-in and sign-out. */
export function useSession(): Session {
  const [state, setState] = useState(session());
  useEffect(() => {
    const listener = () => setState(session());
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  }, []);
  return state;
}

/** The claims of a JWT, unverified (the API verifies it): for showing scopes and expiry only. */
export function tokenClaims(token: string): { scope?: string; exp?: number; sub?: string } | undefined {
  const payload = token.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    return JSON.parse(json) as { scope?: string; exp?: number; sub?: string };
  } catch {
    return undefined;
  }
}
