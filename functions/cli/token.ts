import { loadDevIssuer } from '#adapters/local/dev-issuer.ts';
import { SCOPES, type Scope } from '#lib/wiring.ts';
import {
  type Command,
  dataDirOf,
  EXIT_OK,
  type Io,
  stringValue,
  stringValues,
  UsageError,
  type Values,
} from './command.ts';

/**
 * `tally token`: a JWT from the local dev issuer, for `tally dev --auth`. Claims as an IdP's access
 * token carries them: `scope` (space-separated) and, for a token bound to wallets, `wallet_ids`.
 */
export const tokenCommand: Command = {
  summary: 'print a signed token from the local dev issuer, for `tally dev --auth`',
  usage: [
    'tally token --scope SCOPE [--scope SCOPE]... [--wallet ID]... [--ttl 1h] [--subject NAME] [--data-dir DIR]',
    '',
    `  --scope SCOPE   one of: ${SCOPES.join(', ')}`,
    '  --wallet ID     bind the token to these wallets (claim wallet_ids); without it, any wallet',
    '  --ttl T         how long it is valid: 90s, 30m, 1h, 7d (default 1h)',
    '  --subject NAME  the sub claim (default local-developer)',
    '  --data-dir DIR  where the dev issuer keys are (env TALLY_DATA_DIR; default .tally), as for tally dev',
    '',
    'Prints the token alone, so: TOKEN=$(npx tally token --scope wallets:write)',
  ].join('\n'),
  options: {
    scope: { type: 'string', multiple: true },
    wallet: { type: 'string', multiple: true },
    ttl: { type: 'string' },
    subject: { type: 'string' },
    'data-dir': { type: 'string' },
  },
  run: runToken,
};

const TTL = /^[1-9]\d{0,6}[smhd]$/;

/** The claims of a token for these scopes and wallets, checked as the command line gives them. */
export function tokenClaims(values: Values): { scope: string; wallet_ids?: string; sub: string } {
  const scopes = stringValues(values, 'scope');
  if (scopes.length === 0)
    throw new UsageError('say which scope(s) the token carries: --scope wallets:write');
  for (const scope of scopes) {
    if (!(SCOPES as readonly string[]).includes(scope)) {
      throw new UsageError(`unknown scope "${scope}"; the scopes are ${SCOPES.join(', ')}`);
    }
  }
  const wallets = stringValues(values, 'wallet');
  for (const wallet of wallets) {
    if (wallet === '' || /\s/.test(wallet))
      throw new UsageError(`--wallet "${wallet}" must be a wallet id without spaces`);
  }
  return {
    scope: [...new Set(scopes as Scope[])].join(' '),
    ...(wallets.length === 0 ? {} : { wallet_ids: wallets.join(' ') }),
    sub: stringValue(values, 'subject') ?? 'local-developer',
  };
}

async function runToken(values: Values, _positionals: string[], io: Io): Promise<number> {
  const claims = tokenClaims(values);
  const ttl = stringValue(values, 'ttl') ?? '1h';
  if (!TTL.test(ttl))
    throw new UsageError(`--ttl must be a number and a unit (s, m, h, d), like 1h; got "${ttl}"`);
  const issuer = await loadDevIssuer(dataDirOf(values, io));
  io.out(await issuer.sign(claims, ttl));
  return EXIT_OK;
}
