import { DomainError } from './errors.ts';

/** Wallet ids are safe to put in keys: 1–128 characters, a letter or digit first. */
export const WALLET_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;

export function parseWalletId(input: unknown): string {
  if (typeof input !== 'string' || input.length === 0) {
    throw new DomainError('invalid_wallet_id', 'WalletID must be a non-empty string.');
  }
  if (!WALLET_ID_PATTERN.test(input)) {
    throw new DomainError(
      'invalid_wallet_id',
      'WalletID must be 1-128 characters of A-Z a-z 0-9 . _ : @ -, starting with a letter or digit.',
    );
  }
  return input;
}
