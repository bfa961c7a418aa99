import type { JSONWebKeySet } from 'jose';
import { loadDevIssuer } from '#adapters/local/dev-issuer.ts';
import { ENV } from '#lib/wiring.ts';
import {
  adminRoutesOpen,
  createLocalAuthorizer,
  type LocalAuthMode,
  type LocalAuthorizer,
} from './local-authorizer.ts';
import { type LocalRuntimeOptions, OpenAdminRoutesError } from './runtime-options.ts';

/** The local runtime's authorization: the mode, the admin token, and the dev issuer's keys. */
export interface LocalAuth {
  mode: LocalAuthMode;
  authorizer: LocalAuthorizer;
  /** Served at /.well-known/jwks.json in `jwt` mode. */
  jwks?: JSONWebKeySet;
  adminRoutesOpen: boolean;
}

/**
 * Builds the authorizer before anything listens, and refuses a non-loopback host while admin routes
 * would answer anyone. TALLY_ADMIN_TOKEN is read from the runtime's `env` or the process.
 */
export async function setUpLocalAuth(
  options: Pick<LocalRuntimeOptions, 'auth' | 'host' | 'dataDir' | 'env'>,
): Promise<LocalAuth> {
  const mode = options.auth ?? 'off';
  const host = options.host ?? '127.0.0.1';
  const adminToken = options.env?.[ENV.adminToken] ?? process.env[ENV.adminToken];
  const open = adminRoutesOpen({ mode, adminToken });
  if (open && !isLoopback(host)) throw new OpenAdminRoutesError(host);
  if (mode === 'off') {
    return {
      mode: 'off',
      authorizer: createLocalAuthorizer({ mode: 'off', adminToken }),
      adminRoutesOpen: open,
    };
  }
  if (options.dataDir === undefined) throw new Error('auth jwt needs a data dir for the dev issuer keys');
  const issuer = await loadDevIssuer(options.dataDir);
  return {
    mode: 'jwt',
    authorizer: createLocalAuthorizer({ mode: 'jwt', adminToken, issuer }),
    jwks: issuer.jwks,
    adminRoutesOpen: open,
  };
}

/** 127.0.0.0/8, ::1 and localhost reach only this machine. */
export function isLoopback(host: string): boolean {
  const address = host.replace(/^\[|\]$/g, '').toLowerCase();
  return (
    address === 'localhost' ||
    address === '::1' ||
    /^127\.\d+\.\d+\.\d+$/.test(address) ||
    /^::ffff:127\.\d+\.\d+\.\d+$/.test(address)
  );
}
