import type { World } from './world.ts';

/**
 * The model of card accounts: what the clients were told took effect (or saw commit with the
 * answer lost), and what each account must owe and keep pending because of it. Never read from
 * the store: it is what the rules of issue 12 say must follow.
 */

/** The sim's accounts: card ids apart from the wallets, so the wallet model and checks keep to theirs. */
export const CARD_ACCOUNTS = ['card-0', 'card-1'] as const;
export const isCardAccount = (id: string): boolean => (CARD_ACCOUNTS as readonly string[]).includes(id);
/** How long an approval stays pending in the sim: short, so expiries happen within an episode. */
export const CARD_TTL_MS = 20_000;
/** The shipped rules' numbers (rules/card-decisions.rules): the model's own oracle of them. */
const SINGLE_PURCHASE_MAX = 500_000n;
const BLOCKED_MCC = '7995';
const VELOCITY_WINDOW_MS = 600_000;
const VELOCITY_MAX = 10;
const APPROVALS_KEPT = 100;

export type CardRequest =
  | { op: 'open'; accountId: string; creditLimit: bigint }
  | { op: 'limit'; accountId: string; creditLimit: bigint }
  | { op: 'authorize'; accountId: string; amount: bigint; mcc: string }
  | { op: 'capture'; accountId: string; authorizationId: string; amount?: bigint }
  | { op: 'void'; accountId: string; authorizationId: string }
  | { op: 'pay'; accountId: string; paymentId: string; amount: bigint }
  | { op: 'return'; accountId: string; paymentId: string };

export type CardAnswer =
  | { kind: 'recorded' | 'replayed'; body: string }
  | { kind: 'key-reused' | 'unchanged' | 'contended' }
  | { kind: 'rejected'; code: string };

export const cardText = (request: CardRequest): string =>
  JSON.stringify(request, (_k, v) => (typeof v === 'bigint' ? `${v}` : v));

export interface Approval {
  amount: bigint;
  occurredAtMs: number;
  expiresAtMs: number;
  status: 'active' | 'captured' | 'voided' | 'expired';
}

export interface Account {
  creditLimit: bigint;
  owed: bigint;
  approvals: Map<string, Approval>;
  declined: Set<string>;
  /** When each approval was decided, oldest first (what velocity counts). */
  approvedAt: number[];
  payments: Map<string, { amount?: bigint; status: 'submitted' | 'returned' | 'return-parked' }>;
}

export class CardModel {
  readonly accounts = new Map<string, Account>();
  readonly keys = new Map<string, { request: CardRequest; payload: string; body: string }>();
  /** Over all accounts: captured purchases, payments, returned payments. */
  captured = 0n;
  paid = 0n;
  returned = 0n;

  pending(accountId: string): bigint {
    let held = 0n;
    for (const approval of this.accounts.get(accountId)?.approvals.values() ?? [])
      if (approval.status === 'active') held += approval.amount;
    return held;
  }

  /** What an authorization at `atMs` may take: approvals expired by then are released by it. */
  free(accountId: string, atMs: number): bigint {
    const account = this.accounts.get(accountId);
    if (account === undefined) return 0n;
    let free = account.creditLimit - account.owed;
    for (const approval of account.approvals.values())
      if (approval.status === 'active' && atMs < approval.expiresAtMs) free -= approval.amount;
    return free;
  }
}

const models = new WeakMap<World, CardModel>();
export function cardsOf(world: World): CardModel {
  let model = models.get(world);
  if (model === undefined) {
    model = new CardModel();
    models.set(world, model);
  }
  return model;
}

export type Expected =
  | { kind: 'recorded'; decision?: 'approved' | 'declined'; reasons?: string[] }
  | { kind: 'unchanged' | 'replayed' | 'key-reused' }
  | { kind: 'rejected'; code: string };

/** The reasons the shipped rules and the decider give for a purchase, in the order they give them. */
export function reasonsFor(model: CardModel, accountId: string, amount: bigint, mcc: string, atMs: number) {
  const account = model.accounts.get(accountId);
  const reasons: string[] = [];
  if (account === undefined) return reasons;
  if (amount > SINGLE_PURCHASE_MAX) reasons.push('single-purchase-max');
  if (mcc === BLOCKED_MCC) reasons.push('blocked-mcc');
  const recent = account.approvedAt.slice(-APPROVALS_KEPT).filter((at) => atMs - at < VELOCITY_WINDOW_MS);
  if (recent.length >= VELOCITY_MAX) reasons.push('velocity');
  if (model.free(accountId, atMs) < amount) reasons.push('insufficient-credit');
  return reasons;
}

/** What a request alone (nothing racing it) must answer, from the model as it stands at `world.nowMs`. */
export function expectCard(world: World, request: CardRequest, key: string): Expected {
  const model = cardsOf(world);
  const known = model.keys.get(key);
  if (known !== undefined) return { kind: known.payload === cardText(request) ? 'replayed' : 'key-reused' };
  const account = model.accounts.get(request.accountId);
  const refuse = (code: string): Expected => ({ kind: 'rejected', code });
  if (request.op === 'open') {
    if (account === undefined) return { kind: 'recorded' };
    return account.creditLimit === request.creditLimit ? { kind: 'unchanged' } : refuse('account_exists');
  }
  if (account === undefined) return refuse('account_not_found');
  switch (request.op) {
    case 'limit':
      return account.creditLimit === request.creditLimit ? { kind: 'unchanged' } : { kind: 'recorded' };
    case 'authorize': {
      const reasons = reasonsFor(model, request.accountId, request.amount, request.mcc, world.nowMs);
      return { kind: 'recorded', decision: reasons.length === 0 ? 'approved' : 'declined', reasons };
    }
    case 'capture':
    case 'void': {
      const approval = account.approvals.get(request.authorizationId);
      if (approval === undefined)
        return refuse(
          account.declined.has(request.authorizationId)
            ? 'authorization_declined'
            : 'authorization_not_found',
        );
      if (approval.status !== 'active') return refuse('hold_not_active');
      if (request.op === 'void') return { kind: 'recorded' };
      if (world.nowMs >= approval.expiresAtMs) return refuse('hold_not_active');
      const amount = request.amount ?? approval.amount;
      return amount > 0n && amount <= approval.amount ? { kind: 'recorded' } : refuse('invalid_amount');
    }
    case 'pay': {
      const payment = account.payments.get(request.paymentId);
      if (payment === undefined || payment.status === 'return-parked') return { kind: 'recorded' };
      return payment.amount === request.amount ? { kind: 'unchanged' } : refuse('payment_exists');
    }
    case 'return': {
      const payment = account.payments.get(request.paymentId);
      if (payment === undefined || payment.status === 'submitted') return { kind: 'recorded' };
      return refuse('payment_returned');
    }
  }
}

/** Moves the model as `request` took effect at `atMs`, answered with `body`. */
export function applyCard(model: CardModel, request: CardRequest, body: string, atMs: number): void {
  const account = model.accounts.get(request.accountId);
  if (request.op === 'open') {
    if (account === undefined)
      model.accounts.set(request.accountId, {
        creditLimit: request.creditLimit,
        owed: 0n,
        approvals: new Map(),
        declined: new Set(),
        approvedAt: [],
        payments: new Map(),
      });
    return;
  }
  if (account === undefined) return;
  switch (request.op) {
    case 'limit':
      account.creditLimit = request.creditLimit;
      return;
    case 'authorize': {
      // The decision releases the approvals that expired by then (the decider's lapse).
      for (const approval of account.approvals.values())
        if (approval.status === 'active' && atMs >= approval.expiresAtMs) approval.status = 'expired';
      const { authorizationId, decision } = JSON.parse(body) as { authorizationId: string; decision: string };
      if (decision === 'approved') {
        account.approvals.set(authorizationId, {
          amount: request.amount,
          occurredAtMs: atMs,
          expiresAtMs: atMs + CARD_TTL_MS,
          status: 'active',
        });
        account.approvedAt.push(atMs);
      } else account.declined.add(authorizationId);
      return;
    }
    case 'capture': {
      const approval = account.approvals.get(request.authorizationId);
      if (approval === undefined) return;
      const amount = request.amount ?? approval.amount;
      approval.status = 'captured';
      account.owed += amount;
      model.captured += amount;
      return;
    }
    case 'void': {
      const approval = account.approvals.get(request.authorizationId);
      if (approval !== undefined) approval.status = 'voided';
      return;
    }
    case 'pay': {
      const parked = account.payments.get(request.paymentId)?.status === 'return-parked';
      account.payments.set(request.paymentId, {
        amount: request.amount,
        status: parked ? 'returned' : 'submitted',
      });
      model.paid += request.amount;
      if (parked) model.returned += request.amount;
      else account.owed -= request.amount;
      return;
    }
    case 'return': {
      const payment = account.payments.get(request.paymentId);
      if (payment?.amount === undefined) {
        account.payments.set(request.paymentId, { status: 'return-parked' });
        return;
      }
      payment.status = 'returned';
      account.owed += payment.amount;
      model.returned += payment.amount;
      return;
    }
  }
}
