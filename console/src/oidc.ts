import * as oauth from 'oauth4webapi';
import { BASE_PATH } from './config.ts';
import { setToken } from './session.ts';

/**
 * Sign-in in AWS: OpenID Connect authorization code with PKCE (a public client, no secret in the
 * page), with oauth4webapi. The verifier and state wait in sessionStorage across the redirect.
 */
const PENDING_KEY = 'tally.console.oidc';

interface OidcSettings {
  issuer: string;
  clientId: string;
  scopes: string[];
}

const redirectUri = () => `${location.origin}${BASE_PATH}/callback`;

async function authorizationServer(issuer: string): Promise<oauth.AuthorizationServer> {
  const url = new URL(issuer);
  return oauth.processDiscoveryResponse(url, await oauth.discoveryRequest(url));
}

/** Leaves for the IdP's login page; it comes back to /console/callback. */
export async function beginSignIn(settings: OidcSettings, returnTo: string): Promise<void> {
  const as = await authorizationServer(settings.issuer);
  if (as.authorization_endpoint === undefined) throw new Error('the issuer has no authorization endpoint');
  const codeVerifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  sessionStorage.setItem(PENDING_KEY, JSON.stringify({ codeVerifier, state, returnTo }));
  const url = new URL(as.authorization_endpoint);
  url.searchParams.set('client_id', settings.clientId);
  url.searchParams.set('redirect_uri', redirectUri());
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('scope', ['openid', ...settings.scopes].join(' '));
  url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(codeVerifier));
  url.searchParams.set('code_challenge_method', 'S256');
  url.searchParams.set('state', state);
  location.assign(url.href);
}

/** On /console/callback: trades the code for tokens and keeps the access token. Returns where to go. */
export async function completeSignIn(settings: OidcSettings): Promise<string> {
  const pending = JSON.parse(sessionStorage.getItem(PENDING_KEY) ?? 'null') as {
    codeVerifier: string;
    state: string;
    returnTo: string;
  } | null;
  if (pending === null) throw new Error('no sign-in was started in this tab');
  sessionStorage.removeItem(PENDING_KEY);
  const as = await authorizationServer(settings.issuer);
  const client: oauth.Client = { client_id: settings.clientId };
  const parameters = oauth.validateAuthResponse(as, client, new URL(location.href), pending.state);
  const response = await oauth.authorizationCodeGrantRequest(
    as,
    client,
    oauth.None(),
    parameters,
    redirectUri(),
    pending.codeVerifier,
  );
  const result = await oauth.processAuthorizationCodeResponse(as, client, response);
  setToken(result.access_token);
  return pending.returnTo;
}
