import { describe, expect, it } from 'vitest';
import { DomainError } from '#domain/errors.ts';
import { parseWalletId, WALLET_ID_PATTERN } from '#domain/wallet-id.ts';

describe('parseWalletId', () => {
  it.each<[string, string]>([
    ['single letter', 'a'],
    ['single digit', '7'],
    ['the README example', 'wallet-1'],
    ['every allowed punctuation', 'A.b_c:d@e-f'],
    ['a UUID', '3f2b8a6e-1c2d-4e5f-8a9b-0c1d2e3f4a5b'],
    ['an email-like id', 'alice@example.com'],
    ['128 characters', `a${'b'.repeat(127)}`],
  ])('accepts %s', (_name, input) => {
    expect(parseWalletId(input)).toBe(input);
    expect(WALLET_ID_PATTERN.test(input)).toBe(true);
  });

  it.each<[string, unknown]>([
    ['empty', ''],
    ['129 characters', `a${'b'.repeat(128)}`],
    ['leading dash', '-abc'],
    ['leading dot', '.abc'],
    ['leading @', '@abc'],
    ['a space', 'a b'],
    ['a slash', 'a/b'],
    ['a hash (key separator)', 'a#b'],
    ['a trailing newline', 'abc\n'],
    ['non-ASCII letter', 'wallé'],
    ['a number', 42],
    ['null', null],
    ['undefined', undefined],
    ['an array', ['w1']],
  ])('rejects %s with code invalid_wallet_id', (_name, input) => {
    let thrown: unknown;
    try {
      parseWalletId(input);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(DomainError);
    expect((thrown as DomainError).code).toBe('invalid_wallet_id');
  });
});
