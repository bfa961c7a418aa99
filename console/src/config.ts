/**
 * What the console reads at start from ./config.json: where the API is and how to sign in.
 * `tally dev` answers it itself (auth off, or dev tokens with `--auth`); in AWS the stack writes
 * it next to the assets (the API URL and the OIDC issuer and client of the authorization-code flow).
 */
export type AuthConfig =
  | { kind: 'off' }
  | { kind: 'dev-token' }
  | { kind: 'oidc'; issuer: string; clientId: string; scopes: string[] };

export interface ConsoleConfig {
  /** The API's base URL; '' for the page's own origin (`tally dev`). */
  apiUrl: string;
  auth: AuthConfig;
}

/** The path the app is served under (Vite's `base`, without the trailing slash): '/console'. */
export const BASE_PATH = import.meta.env.BASE_URL.replace(/\/$/, '');

function isConfig(value: unknown): value is ConsoleConfig {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<ConsoleConfig>;
  const kind = candidate.auth?.kind;
  return typeof candidate.apiUrl === 'string' && (kind === 'off' || kind === 'dev-token' || kind === 'oidc');
}

export async function loadConfig(): Promise<ConsoleConfig> {
  const response = await fetch(`${BASE_PATH}/config.json`, { cache: 'no-store' });
  if (!response.ok) throw new Error(`config.json: ${response.status} ${response.statusText}`);
  const body: unknown = await response.json();
  if (!isConfig(body)) throw new Error('config.json is not a console configuration');
  return body;
}
