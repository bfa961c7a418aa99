/**
 * Card accounts' writes: open, change the limit, authorize, capture, void, pay, return. Each is a
 * lane-0 command (command-handler.ts) decided against the account's exact state, so concurrent
 * authorizers cannot approve past the available credit (domain/card/decide.ts says why). The
 * decision rules are evaluated here, once per attempt, against the state the attempt decides on:
 * a velocity rule counts the approvals that state holds. A used key answers as it did before
 * anything is decided.
 *
 * Stream id scheme: an account is the wallet whose id is the account id (`WALLET#<accountId>`);
 * its card events, like its holds, are all in lane 0.
 */
import type { CardCommand } from '#domain/card/commands.ts';
import { type AccountCommand, decideAccount } from '#domain/card/decide.ts';
import type { Merchant } from '#domain/card/events.ts';
import { positionOf } from '#domain/card/state.ts';
import { DomainError } from '#domain/errors.ts';
import { foldWallet, type RecordedEvent, type WalletEvent, type WalletState } from '#domain/wallet.ts';
import type { AccountSnapshotStore } from '#ports/account-snapshots.ts';
import type { Clock, IdGenerator } from '#ports/clock.ts';
import type { EventStore, StoredResponse } from '#ports/event-store.ts';
import type { CompiledDecisionRules } from '#rules/decision-rules.ts';
import type { AccountLogCorrelation } from './account-log.ts';
import { type AccountLog, accountLogOn } from './account-log-level.ts';
import { defaultRetryPolicy, handleCommand, type RetryPolicy } from './command-handler.ts';
import { type IdempotencyInput, priorUse } from './idempotency.ts';
import type { Outcome } from './outcomes.ts';
import { cardIndexChangesOf } from './trading-index.ts';

/** The decision rule set in force, and its version (0: the built-in one; card-decision-rules.ts serves the published ones). */
export interface DecisionRuleSource {
  current(): Promise<{ version: number; ruleSet: CompiledDecisionRules }>;
}

export interface CardDeps {
  store: EventStore;
  clock: Clock;
  ids: IdGenerator;
  decisionRules: DecisionRuleSource;
  retry?: RetryPolicy;
  /** How long an approval stays pending before it expires (default 7 days). */
  authorizationTtlMs?: number;
  /** A debug line per applied account event, with the account after it (account-log.ts). */
  accountLog?: AccountLog;
  /** Where account reads keep their snapshot, so a cold instance folds only the tail (queries/account.ts). */
  accountSnapshots?: AccountSnapshotStore;
  /** How long a command on a contended account keeps trying before it answers `contended` (CONTENDED_BUDGET). */
  contendedBudget?: ContendedBudget;
}

/**
 * A contended account (writers in other function instances won lane 0 every attempt the command
 * handler made) is tried again after a jittered pause, within a time budget and a bound on rounds,
 * before `contended` (503) is answered: one instance's group commit serialises its own writers,
 * but instances race each other. The same key is sent every round, so a round that lost but whose
 * twin won answers as the twin did, and nothing is decided twice.
 */
export interface ContendedBudget {
  /** From the command's start; a pause that would end past it is not taken. */
  ms: number;
  rounds: number;
  backoffBaseMs: number;
  backoffCapMs: number;
}

/** 2 s: well inside the function's 10 s timeout and a client's patience; pauses up to 200 ms. */
export const CONTENDED_BUDGET: ContendedBudget = {
  ms: 2_000,
  rounds: 8,
  backoffBaseMs: 10,
  backoffCapMs: 200,
};

export const AUTHORIZATION_TTL_MS_DEFAULT = 7 * 24 * 3_600_000;

export type CardAction =
  | { kind: 'open'; creditLimit: bigint; currency: string }
  | { kind: 'limit'; creditLimit: bigint }
  /** `currency` absent: the account's. */
  | { kind: 'authorize'; amount: bigint; currency?: string; merchant: Merchant }
  /** `amount` absent: all of it. */
  | { kind: 'capture'; authorizationId: string; amount?: bigint }
  | { kind: 'void'; authorizationId: string }
  | { kind: 'pay'; paymentId: string; amount: bigint }
  | { kind: 'return'; paymentId: string; reason: string };

export interface CardRequest {
  accountId: string;
  /** Scoped per route and client, or per CloudEvent source (app/idempotency.ts). */
  idempotency: IdempotencyInput;
  /** The event time (a CloudEvent's `time`); the clock's reading when absent. */
  occurredAtMs?: number;
  /** The answer stored with the key, built from the events as they will be recorded. */
  respond: (events: readonly RecordedEvent[], context: { authorizationId?: string }) => StoredResponse;
  /** The CloudEvent id or request id the debug lines carry. */
  correlation?: AccountLogCorrelation;
}

/** `unchanged`: the account already stands as asked (opened with these terms, this payment known). */
export type CardResult = Outcome<
  { response: StoredResponse; events: RecordedEvent[] },
  { state: WalletState }
>;

export async function cardAction(
  deps: CardDeps,
  request: CardRequest,
  action: CardAction,
): Promise<CardResult> {
  // An authorization always decides (approved or declined: never unchanged), and its key is
  // written in the decision's transaction: a used key is found there (replayed, or key-reused) and
  // a refusal looks it up (refusal()), so the read up front would only cost every authorization
  // one more round trip. The other actions may be `unchanged`, which must not answer a used key.
  const used = action.kind === 'authorize' ? undefined : await priorUse(deps.store, request.idempotency);
  if (used) return used;
  const nowMs = deps.clock.nowMs();
  const occurredAtMs = request.occurredAtMs ?? nowMs;
  const eventId = deps.ids.newId();
  const authorizationId = action.kind === 'authorize' ? eventId : undefined;
  const rules = action.kind === 'authorize' ? await deps.decisionRules.current() : undefined;
  const ttlMs = deps.authorizationTtlMs ?? AUTHORIZATION_TTL_MS_DEFAULT;
  const { accountId } = request;
  const command = (state: WalletState): AccountCommand | DomainError => {
    const common = { walletId: accountId, occurredAtMs };
    switch (action.kind) {
      case 'open':
        return { type: 'OpenAccount', ...common, creditLimit: action.creditLimit, currency: action.currency };
      case 'limit':
        return { type: 'ChangeCreditLimit', ...common, creditLimit: action.creditLimit };
      case 'pay':
        return { type: 'SubmitPayment', ...common, paymentId: action.paymentId, amount: action.amount };
      case 'return':
        return { type: 'ReturnPayment', ...common, paymentId: action.paymentId, reason: action.reason };
      case 'authorize':
        return authorizeCommand(state, accountId, action, {
          authorizationId: authorizationId ?? eventId,
          occurredAtMs,
          expiresAtMs: occurredAtMs + ttlMs,
          rules: rules ?? { version: 0, ruleSet: { rules: [], evaluate: () => [] } },
        });
      case 'capture':
      case 'void': {
        const known = authorizationOf(state, accountId, action.authorizationId);
        if (known instanceof DomainError) return known;
        return action.kind === 'capture'
          ? {
              type: 'CaptureHold',
              ...common,
              holdId: action.authorizationId,
              ...(action.amount === undefined ? {} : { amount: action.amount }),
            }
          : { type: 'ReleaseHold', ...common, holdId: action.authorizationId };
      }
    }
  };
  const stamp = (events: readonly WalletEvent[]) =>
    events.map((event, index) => ({
      ...event,
      eventId: index === 0 ? eventId : `${eventId}-${index}`,
      recordedAtMs: nowMs,
    }));
  const context = authorizationId === undefined ? {} : { authorizationId };
  const budget = deps.contendedBudget ?? CONTENDED_BUDGET;
  const { sleep, random } = deps.retry ?? defaultRetryPolicy;
  for (let round = 0; ; round++) {
    const outcome = await handleCommand(deps, {
      walletId: accountId,
      placement: 'lane-0',
      fold: foldWallet,
      decide: decideAccount,
      indexes: cardIndexChangesOf,
      command,
      stamp,
      idempotency: request.idempotency,
      respond: (events) => request.respond(events, context),
    });
    const pauseMs = random() * Math.min(budget.backoffCapMs, budget.backoffBaseMs * 2 ** round);
    if (
      outcome.kind === 'contended' &&
      round + 1 < budget.rounds &&
      deps.clock.nowMs() + pauseMs < nowMs + budget.ms
    ) {
      await sleep(pauseMs);
      continue;
    }
    return cardResult(deps, request, outcome);
  }
}

/**
 * The command handler's outcome as a card result, each applied event logged (debug lines, off by
 * default: account-log.ts loads with the first write that writes them).
 */
async function cardResult(
  deps: CardDeps,
  request: CardRequest,
  outcome: Awaited<ReturnType<typeof handleCommand>>,
): Promise<CardResult> {
  switch (outcome.kind) {
    case 'recorded':
      if (outcome.response === undefined) throw new Error('cardAction: a response is always built');
      if (accountLogOn(deps.accountLog, outcome.events)) {
        const { logAccountEvents } = await import('./account-log.ts');
        logAccountEvents(deps.accountLog, outcome.state, outcome.events, request.correlation ?? {});
      }
      return { kind: 'recorded', response: outcome.response, events: outcome.events };
    case 'unchanged':
      return { kind: 'unchanged', state: outcome.state };
    case 'contended':
      return { kind: 'contended', conflicts: outcome.conflicts };
    default:
      return outcome;
  }
}

/** The approval's terms, with what the decision rules say of them against this state. */
function authorizeCommand(
  state: WalletState,
  accountId: string,
  action: CardAction & { kind: 'authorize' },
  at: {
    authorizationId: string;
    occurredAtMs: number;
    expiresAtMs: number;
    rules: { version: number; ruleSet: CompiledDecisionRules };
  },
): CardCommand | DomainError {
  const account = state.account;
  if (account === undefined)
    return new DomainError('account_not_found', `No account ${accountId} was opened.`);
  const position = positionOf(account, state.balances.money);
  const currency = action.currency ?? account.currency;
  const ruleDeclines = at.rules.ruleSet.evaluate({
    amount_minor: action.amount,
    currency,
    merchant: { id: action.merchant.id, name: action.merchant.name ?? '', mcc: action.merchant.mcc },
    account: {
      credit_limit_minor: position.creditLimit,
      available_minor: position.available,
      owed_minor: position.owed,
      pending_minor: position.pending,
    },
    approvals: account.approvals.map((approval) => ({
      amount_minor: approval.amount,
      age_ms: BigInt(at.occurredAtMs - approval.occurredAtMs),
    })),
  });
  return {
    type: 'Authorize',
    walletId: accountId,
    authorizationId: at.authorizationId,
    amount: action.amount,
    currency,
    merchant: action.merchant,
    occurredAtMs: at.occurredAtMs,
    expiresAtMs: at.expiresAtMs,
    ruleSetVersion: at.rules.version,
    ruleDeclines,
  };
}

/** An approved authorization of the account, or why there is none to capture or void. */
function authorizationOf(
  state: WalletState,
  accountId: string,
  authorizationId: string,
): DomainError | undefined {
  if (state.account === undefined) {
    return new DomainError('account_not_found', `No account ${accountId} was opened.`);
  }
  const known = state.account.authorizations.get(authorizationId);
  if (known === undefined) {
    return new DomainError(
      'authorization_not_found',
      `Account ${accountId} has no authorization ${authorizationId}.`,
    );
  }
  if (known.decision === 'declined') {
    return new DomainError(
      'authorization_declined',
      `Authorization ${authorizationId} was declined; there is nothing to capture or void.`,
    );
  }
  return undefined;
}
