/**
 * Exact wallet states for lane-0 decisions of two-wallet commands (two-wallet-command.ts and its
 * group commit, group-commit-two.ts): folded once per instance, then only the tail is read.
 */
import { type DomainError, isDomainError } from '#domain/errors.ts';
import { initialWalletState } from '#domain/wallet/state.ts';
import type {
  Decider,
  foldWallet,
  RecordedEvent,
  WalletCommand,
  WalletEvent,
  WalletState,
} from '#domain/wallet.ts';
import type { EventStore, NewEvent, StreamHead } from '#ports/event-store.ts';
import { LRUCache } from './bounded-cache.ts';
import { type Token, tokenNow } from './group-commit-taint.ts';
import { readAll, readWallet } from './read-events.ts';

/**
 * How a lane-0 write folds its wallet's events into a state: the domain's `foldWallet`, named by
 * the writer (WalletWrite's `fold`, as it names its decider), so a function whose writes are all
 * credits (deposit, ingest), which never fold, bundles no fold of any event family.
 */
export type WalletFold = typeof foldWallet;

/**
 * States folded by this instance, by wallet, with the last version of each lane they include. The
 * log is append-only, so a cached state stays true: an attempt reads only the events after it
 * (the tail), not the whole log again. Bounded; the oldest entry goes first.
 */
const STATES_CACHED_MAX = 1_000;
type StateCache = LRUCache<string, { state: WalletState; lanes: Record<number, number> }>;
/** Per store: two stores (tables, test fakes) may hold wallets of the same id. */
const cachedStatesByStore = new WeakMap<EventStore, StateCache>();

function statesOf(store: EventStore): StateCache {
  let states = cachedStatesByStore.get(store);
  if (states === undefined) {
    states = new LRUCache({ max: STATES_CACHED_MAX });
    cachedStatesByStore.set(store, states);
  }
  return states;
}

/** A state folded from the log, kept for the wallet's next read (the most recent one). */
const remember = (store: EventStore, walletId: string, state: WalletState): void => {
  statesOf(store).set(walletId, { state, lanes: { ...state.lanes } });
};

/** A wallet's exact state for a lane-0 decision, and lane 0's head it stands on (the append's condition). */
export interface ExactState {
  head: StreamHead;
  state: WalletState;
  /**
   * For a read sent early (exactStateEarly): the taint token taken before it went out, what the
   * state can be trusted to include (group-commit-carry.ts). A token taken when it is taken would
   * be later than the read: a credit this process wrote between the two would seem included.
   */
  sentAt?: Token;
}

/** The wallet's state as of lane 0's head read first (later lane-0 events make the append fail). */
export async function exactState(store: EventStore, walletId: string, fold: WalletFold): Promise<ExactState> {
  // The cache as it was before the head read went out: a state folded by a read that ended
  // before then cannot be past that head. One cached while the head read was out may be, and it
  // would come back with lane 0's events past the head it stands on: group commit's readTail then
  // folds them a second time (a credit counted twice). Past the head all the same: read afresh.
  const cachedBefore = statesOf(store).peek(walletId);
  const head = await store.head(walletId, 0);
  const cached =
    cachedBefore !== undefined && (cachedBefore.lanes[0] ?? 0) <= head.version ? cachedBefore : undefined;
  let events: RecordedEvent[];
  if (cached === undefined) {
    events = await logUpTo(store, walletId, head);
  } else {
    events = [];
    for (const lane of await store.lanes(walletId)) {
      const fromVersion = (cached.lanes[lane] ?? 0) + 1;
      const toVersion = lane === 0 ? head.version : undefined;
      if (toVersion !== undefined && toVersion < fromVersion) continue;
      events.push(
        ...(await readAll(store, walletId, lane, {
          fromVersion,
          ...(toVersion === undefined ? {} : { toVersion }),
        })),
      );
    }
  }
  const state = fold(events, cached?.state ?? initialWalletState());
  remember(store, walletId, state);
  return { head, state };
}

/** A read sent before its caller needs it: the first to ask takes it, later ones read afresh. */
export type SentRead<T> = () => Promise<T> | undefined;

/**
 * The wallet's exact state, read now, when this instance has none folded (a writer new to the
 * wallet): sent with a read the write waits on before (its legacy key's look-up), it costs no
 * wait of its own. Where the store reads the whole log with lane 0's head (EventStore.walletAndHead:
 * one Query on DynamoDB), that is the one read: a lane-0 event appended meanwhile is not in the
 * state and makes the append conditioned on that head fail, as one after a head read first would
 * (else exactState: the head, then the log). Undefined when a state is cached (the read then starts
 * from it, and may not be needed at all: group-commit-carry.ts). A read never taken (the key
 * answered) was sent for nothing: its failure is then nobody's; the state it leaves cached stays
 * true (the log is append-only). Only the writers that send it bundle it (holds, two-wallet commands,
 * the payment webhook: exactStateNow).
 */
export function exactStateEarly(
  store: EventStore,
  walletId: string,
  fold: WalletFold,
): SentRead<ExactState> | undefined {
  if (cachedStatesByStore.get(store)?.peek(walletId) !== undefined) return undefined;
  const { walletAndHead } = store;
  const sentAt = tokenNow();
  const read = (
    walletAndHead === undefined
      ? exactState(store, walletId, fold)
      : foldLog(store, walletId, fold, walletAndHead.call(store, walletId))
  ).then(({ head, state }): ExactState => ({ head, state, sentAt }));
  read.catch(() => undefined);
  return takenOnce(read);
}

/**
 * The wallet's whole log, lane 0's head it stands on, and the exact state folded from it from
 * nothing (kept for the wallet's next read), with the taint token taken before the read went out.
 * One Query where the store reads the log with the head (EventStore.walletAndHead); else the head,
 * then the log with lane 0 cut at that head (exactState's read of a wallet not folded here). For a
 * writer that answers from the log too (corrections: the wallet's view before and after).
 */
export async function wholeLogState(
  store: EventStore,
  walletId: string,
  fold: WalletFold,
): Promise<ExactState & { events: RecordedEvent[]; sentAt: Token }> {
  const { walletAndHead } = store;
  const sentAt = tokenNow();
  const read =
    walletAndHead === undefined ? headThenLog(store, walletId) : walletAndHead.call(store, walletId);
  return { ...(await foldLog(store, walletId, fold, read)), sentAt };
}

/** The state folded from nothing from a whole-log read, kept for the wallet's next read. */
async function foldLog(
  store: EventStore,
  walletId: string,
  fold: WalletFold,
  read: Promise<{ events: RecordedEvent[]; head: StreamHead }>,
): Promise<ExactState & { events: RecordedEvent[] }> {
  const { events, head } = await read;
  const state = fold(events, initialWalletState());
  remember(store, walletId, state);
  return { head, state, events };
}

async function headThenLog(
  store: EventStore,
  walletId: string,
): Promise<{ events: RecordedEvent[]; head: StreamHead }> {
  const head = await store.head(walletId, 0);
  return { events: await logUpTo(store, walletId, head), head };
}

/** The whole log with lane 0 cut at `head` (read after it: later lane-0 events make the append fail). */
const logUpTo = async (store: EventStore, walletId: string, head: StreamHead): Promise<RecordedEvent[]> =>
  (await readWallet(store, walletId)).filter((event) => event.lane !== 0 || event.version <= head.version);

/** `read` for the first to ask, undefined after: a later start reads afresh. */
export function takenOnce<T>(read: Promise<T>): SentRead<T> {
  let left: Promise<T> | undefined = read;
  return () => {
    const taken = left;
    left = undefined;
    return taken;
  };
}

/**
 * The wallet's exact state, read now, for a writer that looks at it before it decides (the payment
 * webhook: which payment, which order) and then decides on it (`takenOnce` as its `firstState`):
 * from nothing in one read (exactStateEarly), else from the state cached (exactState: the head,
 * then the tails). With the taint token taken before the read (`sentAt`), as a state sent early.
 */
export function exactStateNow(store: EventStore, walletId: string, fold: WalletFold): Promise<ExactState> {
  const early = exactStateEarly(store, walletId, fold)?.();
  if (early !== undefined) return early;
  const sentAt = tokenNow();
  const read = exactState(store, walletId, fold).then((exact): ExactState => ({ ...exact, sentAt }));
  // Sent with a look-up that may answer first (a used key): then its failure is nobody's.
  read.catch(() => undefined);
  return read;
}

/** Decides each command against the state after the events of the ones before (placed where they will land). */
export function decideInTurn<C extends WalletCommand>(
  walletId: string,
  head: StreamHead,
  state: WalletState,
  commands: C | readonly C[],
  stamp: (events: readonly WalletEvent[], command: C) => NewEvent[],
  decide: Decider<C>,
  fold: WalletFold,
): NewEvent[] | DomainError {
  const list: readonly C[] = Array.isArray(commands) ? commands : [commands as C];
  const events: NewEvent[] = [];
  let current = state;
  for (const command of list) {
    const decision = decide(command, current);
    if (isDomainError(decision)) return decision;
    const stamped = stamp(decision, command);
    current = fold(
      stamped.map((event, index) => ({
        ...event,
        walletId,
        lane: 0,
        version: head.version + events.length + 1 + index,
      })),
      current,
    );
    events.push(...stamped);
  }
  return events;
}
