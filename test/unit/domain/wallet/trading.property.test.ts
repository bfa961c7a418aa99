/**
 * Any interleaving of concurrent spenders, each deciding against the state it read (possibly stale)
 * and appending to lane 0 only if lane 0 has not moved since (the loser reads again and decides
 * again), never takes available below the floor; and transfers between wallets, both wallets'
 * events appended together conditioned on both heads, conserve the sum of balances.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isDomainError } from '#domain/errors.ts';
import {
  type Asset,
  available,
  decide,
  foldWallet,
  initialWalletState,
  type RecordedEvent,
  type WalletCommand,
  type WalletEvent,
} from '#domain/wallet.ts';

type Op =
  | { kind: 'transfer'; from: number; to: number; asset: Asset; amount: bigint }
  | { kind: 'hold'; wallet: number; asset: Asset; amount: bigint }
  | { kind: 'capture'; wallet: number; amount: bigint }
  | { kind: 'release'; wallet: number };

const WALLETS = 3;
const walletId = (index: number) => `w${index}`;

/** The store: lane 0 of every wallet plus a credit lane (1) that takes deposits unconditionally. */
class Log {
  readonly lanes = Array.from({ length: WALLETS }, () => ({
    0: [] as RecordedEvent[],
    1: [] as RecordedEvent[],
  }));
  private ids = 0;
  head = (wallet: number) => (this.lanes[wallet] as { 0: RecordedEvent[] })[0].length;
  state = (wallet: number) => {
    const lanes = this.lanes[wallet] as { 0: RecordedEvent[]; 1: RecordedEvent[] };
    return foldWallet([...lanes[0], ...lanes[1]], initialWalletState());
  };
  append(wallet: number, lane: 0 | 1, events: readonly WalletEvent[]) {
    const stream = (this.lanes[wallet] as { 0: RecordedEvent[]; 1: RecordedEvent[] })[lane];
    for (const event of events) {
      stream.push({
        ...event,
        walletId: walletId(wallet),
        lane,
        version: stream.length + 1,
        eventId: `e${++this.ids}`,
        recordedAtMs: this.ids,
      } as RecordedEvent);
    }
  }
}

const asset = fc.constantFrom<Asset>('money', 'points');
const amount = fc.bigInt({ min: 1n, max: 400n });
const wallet = fc.nat({ max: WALLETS - 1 });
const op: fc.Arbitrary<Op> = fc.oneof(
  fc
    .record({ from: wallet, to: wallet, asset, amount })
    .filter(({ from, to }) => from !== to)
    .map((o) => ({ kind: 'transfer' as const, ...o })),
  fc.record({ wallet, asset, amount }).map((o) => ({ kind: 'hold' as const, ...o })),
  fc.record({ wallet, amount }).map((o) => ({ kind: 'capture' as const, ...o })),
  wallet.map((w) => ({ kind: 'release' as const, wallet: w })),
);

/** A spender: reads (maybe long before it commits), decides, commits if the heads it read still stand. */
interface Spender {
  op: Op;
  read?: { heads: number[]; decided: Map<number, readonly WalletEvent[]> } | 'rejected';
  done: boolean;
}

function decideOp(log: Log, op: Op, id: number): Map<number, readonly WalletEvent[]> | 'rejected' {
  const commands: [number, WalletCommand][] = [];
  const holdId = (w: number) => {
    // The capture or release targets the wallet's first active hold, as read.
    for (const hold of log.state(w).holds.values()) if (hold.status === 'active') return hold.holdId;
    return 'none';
  };
  switch (op.kind) {
    case 'transfer': {
      const common = { asset: op.asset, amount: op.amount, transferId: `t${id}`, occurredAtMs: id };
      commands.push([
        op.from,
        { type: 'TransferOut', walletId: walletId(op.from), to: walletId(op.to), ...common },
      ]);
      commands.push([
        op.to,
        { type: 'TransferIn', walletId: walletId(op.to), from: walletId(op.from), ...common },
      ]);
      break;
    }
    case 'hold':
      commands.push([
        op.wallet,
        {
          type: 'PlaceHold',
          walletId: walletId(op.wallet),
          asset: op.asset,
          amount: op.amount,
          holdId: `h${id}`,
          expiresAtMs: 1e9,
          occurredAtMs: id,
        },
      ]);
      break;
    case 'capture': {
      const state = log.state(op.wallet);
      const hold = state.holds.get(holdId(op.wallet));
      const part = hold === undefined ? op.amount : op.amount > hold.amount ? hold.amount : op.amount;
      commands.push([
        op.wallet,
        {
          type: 'CaptureHold',
          walletId: walletId(op.wallet),
          holdId: holdId(op.wallet),
          amount: part,
          occurredAtMs: id,
        },
      ]);
      break;
    }
    case 'release':
      commands.push([
        op.wallet,
        { type: 'ReleaseHold', walletId: walletId(op.wallet), holdId: holdId(op.wallet), occurredAtMs: id },
      ]);
  }
  const decided = new Map<number, readonly WalletEvent[]>();
  for (const [w, command] of commands) {
    const result = decide(command, log.state(w));
    if (isDomainError(result)) return 'rejected';
    decided.set(w, result);
  }
  return decided;
}

const step = fc.oneof(
  fc.record({ kind: fc.constant('read' as const), spender: fc.nat() }),
  fc.record({ kind: fc.constant('commit' as const), spender: fc.nat() }),
  fc.record({
    kind: fc.constant('deposit' as const),
    wallet,
    asset,
    amount: fc.bigInt({ min: 1n, max: 300n }),
  }),
);

describe('trading: concurrent spenders with optimistic concurrency', () => {
  it('never drive available below the floor, and transfers conserve the sum of balances', () => {
    fc.assert(
      fc.property(
        fc.array(op, { minLength: 1, maxLength: 8 }),
        fc.array(step, { maxLength: 80 }),
        (ops, steps) => {
          const log = new Log();
          let credited = { money: 0n, points: 0n };
          let captured = { money: 0n, points: 0n };
          const spenders: Spender[] = ops.map((o) => ({ op: o, done: false }));
          const check = () => {
            const total = { money: 0n, points: 0n };
            for (let w = 0; w < WALLETS; w++) {
              const { balances } = log.state(w);
              for (const a of ['money', 'points'] as const) {
                expect(available(balances[a])).toBeGreaterThanOrEqual(balances[a].floor);
                expect(balances[a].held).toBeGreaterThanOrEqual(0n);
                total[a] += balances[a].balance;
              }
            }
            // What came in, less what captures took out: transfers move, never make or lose.
            expect(total.money).toBe(credited.money - captured.money);
            expect(total.points).toBe(credited.points - captured.points);
          };
          const commit = (index: number) => {
            const spender = spenders[index] as Spender;
            if (spender.done) return;
            if (spender.read === undefined) return;
            if (spender.read === 'rejected') {
              spender.done = true;
              return;
            }
            const { heads, decided } = spender.read;
            // Every wallet's lane 0 must still be where it was read, or nothing is written.
            if ([...decided.keys()].some((w) => log.head(w) !== heads[w])) {
              spender.read = undefined; // the loser reads again and decides again
              return;
            }
            for (const [w, events] of decided) {
              log.append(w, 0, events);
              for (const event of events) {
                if (event.type === 'HoldCaptured')
                  captured = {
                    ...captured,
                    [event.data.asset]: captured[event.data.asset] + event.data.amount,
                  };
              }
            }
            spender.done = true;
            check();
          };
          for (const s of steps) {
            if (s.kind === 'deposit') {
              // Credits go to another lane, unconditionally: they only raise what is available.
              log.append(
                s.wallet,
                1,
                s.asset === 'money'
                  ? [{ type: 'Deposited', data: { amountMinor: s.amount, occurredAtMs: 0 } }]
                  : [
                      {
                        type: 'TransferredIn',
                        data: {
                          transferId: 'x',
                          asset: 'points',
                          amount: s.amount,
                          from: 'mint',
                          occurredAtMs: 0,
                        },
                      },
                    ],
              );
              credited = { ...credited, [s.asset]: credited[s.asset] + s.amount };
              check();
              continue;
            }
            const index = s.spender % spenders.length;
            const spender = spenders[index] as Spender;
            if (s.kind === 'read' && !spender.done) {
              const heads = Array.from({ length: WALLETS }, (_, w) => log.head(w));
              const decided = decideOp(log, spender.op, index);
              spender.read = decided === 'rejected' ? 'rejected' : { heads, decided };
            } else if (s.kind === 'commit') commit(index);
          }
          check();
        },
      ),
      { numRuns: 300 },
    );
  });
});
