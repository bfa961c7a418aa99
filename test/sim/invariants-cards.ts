import { foldWallet, initialWalletState } from '#domain/wallet.ts';
import { registerInvariant } from './invariants.ts';
import { CARD_ACCOUNTS, cardsOf } from './model-cards.ts';
import type { World } from './world.ts';

/**
 * What card accounts must keep, checked on the stored logs after every card op: no op approves
 * more than its account had free (never beyond the credit limit), the pending amount and what is
 * owed as the model says, each request applied exactly once; and, when all is quiet, money neither
 * made nor lost: what accounts owe is what was captured less what was paid and not returned.
 *
 * Card accounts are not among the sim's wallets: their own checks are here, and the wallet checks
 * (whose model knows no credit line) are kept off them.
 */

/** The first problem with one card account after op `world.opIndex`, or undefined. */
function problemOf(world: World, accountId: string, freeBefore: bigint): [string, string] | undefined {
  const log = world.log(accountId);
  const model = cardsOf(world);
  const account = model.accounts.get(accountId);
  const state = foldWallet(log, initialWalletState());
  const prefix = `o${world.opIndex}.`;
  let approved = 0n;
  for (const event of log) {
    if (event.type !== 'AuthorizationDecided' || event.data.decision !== 'approved') continue;
    if (event.data.available < 0n)
      return [
        'card-within-limit',
        `${accountId}: ${event.eventId} approved, leaving ${event.data.available} available`,
      ];
    if (event.eventId.startsWith(prefix)) approved += event.data.amount;
  }
  if (approved > 0n && approved > freeBefore)
    return [
      'card-within-limit',
      `${accountId}: op ${world.opIndex} approved ${approved} with ${freeBefore} free`,
    ];
  const { held, balance } = state.balances.money;
  const pending = model.pending(accountId);
  if (held !== pending)
    return ['card-held-as-modelled', `${accountId} holds ${held} pending; the model says ${pending}`];
  const owed = account?.owed ?? 0n;
  if (-balance !== owed)
    return ['card-owed-as-modelled', `${accountId} owes ${-balance}; the model says ${owed}`];
  const keys = new Set(
    log.flatMap((event) => (event.idempotencyKey?.startsWith('c-') ? [event.idempotencyKey] : [])),
  );
  for (const [key, effect] of model.keys) {
    if (effect.request.accountId === accountId && !keys.has(key))
      return [
        'card-applied-exactly-once',
        `card request ${key} (${effect.body}) was acknowledged and is not in ${accountId}'s log`,
      ];
  }
  for (const key of keys) {
    if (!model.keys.has(key))
      return [
        'card-applied-exactly-once',
        `${accountId} holds events of card key ${key} no client was told of and no crash committed`,
      ];
  }
  return undefined;
}

/** Checks every card account after a card op; the first problem is the op's violation. */
export function checkCards(world: World, freeBefore: ReadonlyMap<string, bigint>): void {
  world.faults.disarm();
  for (const accountId of CARD_ACCOUNTS) {
    world.touched.delete(accountId);
    if (world.violations.length > 0) continue;
    const problem = problemOf(world, accountId, freeBefore.get(accountId) ?? 0n);
    if (problem !== undefined) world.violation(problem[0], problem[1]);
  }
}

/** Each request applied once, its events exactly those its key's record names (a retry adds none). */
registerInvariant({
  name: 'card-applied-exactly-once',
  when: 'quiescent',
  async checkAll(world) {
    for (const accountId of CARD_ACCOUNTS) {
      const log = world.log(accountId);
      for (const key of new Set(
        log.flatMap((event) => (event.idempotencyKey?.startsWith('c-') ? [event.idempotencyKey] : [])),
      )) {
        const record = await world.inner.findIdempotency(key);
        const named = new Set(record?.eventIds ?? []);
        const stray = log.filter((event) => event.idempotencyKey === key && !named.has(event.eventId));
        if (stray.length > 0)
          return [`card key ${key} applied again: ${stray.map((event) => event.eventId).join(', ')}`];
      }
    }
    return [];
  },
});

/** Money is neither made nor lost: over all accounts, owed = captured − paid + returned. */
registerInvariant({
  name: 'cards-conserve-money',
  when: 'quiescent',
  checkAll(world) {
    const model = cardsOf(world);
    let paid = 0n;
    let returned = 0n;
    let captured = 0n;
    let owed = 0n;
    for (const accountId of CARD_ACCOUNTS) {
      const log = world.log(accountId);
      for (const event of log) {
        if (event.type === 'PaymentSubmitted') paid += event.data.amount;
        else if (event.type === 'PaymentReturned') returned += event.data.amount;
        else if (event.type === 'HoldCaptured') captured += event.data.amount;
      }
      owed -= foldWallet(log, initialWalletState()).balances.money.balance;
    }
    const problems: string[] = [];
    if (owed !== captured - paid + returned)
      problems.push(
        `accounts owe ${owed}; their logs captured ${captured}, paid ${paid}, returned ${returned}`,
      );
    if (paid !== model.paid || returned !== model.returned || captured !== model.captured)
      problems.push(
        `logs: paid ${paid}, returned ${returned}, captured ${captured}; the model: ${model.paid}, ${model.returned}, ${model.captured}`,
      );
    return problems;
  },
});
