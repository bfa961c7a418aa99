/**
 * Group commit's batch path (group-commit.ts): a batch decided in queue order and appended in ONE
 * transaction (appendGroup), with the state a lane-0 batch carries (group-commit-carry.ts). Every
 * lane-0 command takes it, alone too; a credit only when two or more wait on one wallet at once in
 * one process, which a Lambda instance, serving one record at a time, practically never sees. So
 * group-commit.ts loads this module with `import()`. The lane-0 writers' composition imports it
 * statically (composition/lane-zero.ts), so their cold start carries it and that `import()` finds
 * it evaluated; deposit and ingest load it with their first batch (docs/benchmarks.md, "Bundling").
 */
import { type DomainError, isDomainError } from '#domain/errors.ts';
import { initialWalletState } from '#domain/wallet/state.ts';
import type { Decision, RecordedEvent, WalletCommand, WalletState } from '#domain/wallet.ts';
import {
  type AppendGroupRequest,
  type EventStore,
  isVersionConflict,
  type StoredResponse,
  type StreamHead,
  type VersionConflictError,
} from '#ports/event-store.ts';
import {
  carriedPosition,
  carryAfterCommit,
  carryAsRead,
  dropCarried,
  lostRace,
  readTail,
} from './group-commit-carry.ts';
import { oneExpiryPerBatch } from './group-commit-expiry.ts';
import { EXCLUSIVE, GROUP_ITEMS_MAX, indexItemOf } from './group-commit-items.ts';
import {
  type Alone,
  type AnyOutcome,
  type AnyWrite,
  answerTakenKeys,
  type Group,
  pause,
  runAlone,
  settle,
  type Waiting,
} from './group-commit-queue.ts';
import { tokenNow } from './group-commit-taint.ts';
import { inCallerTrace, withTrace } from './group-commit-trace.ts';
import { placementOf } from './placement.ts';
import { appendIndexOf, outOfAttempts, refusal } from './write-outcome.ts';

/** One command's share of a batch: what it was decided against and what it will be answered. */
type Decided =
  | {
      kind: 'part';
      entry: Waiting;
      part: AppendGroupRequest['parts'][number];
      response: StoredResponse | undefined;
      state: WalletState;
      command: WalletCommand;
    }
  | { kind: 'answer'; entry: Waiting; answer: () => Promise<AnyOutcome> };

/** A batch (group-commit.ts drain): decided in order, appended in one transaction, then answered. */
export async function commitBatch(batch: Waiting[], group: Group, alone: Alone): Promise<void> {
  const leader = batch[0] as Waiting;
  const { deps } = leader;
  const { walletId } = leader.write;
  let pending = batch;
  /** A lane-0 batch's fold (the writes of one group share a placement); a credit batch folds nothing. */
  const lane0 = leader.write.placement === 'lane-0' ? leader.write.fold : undefined;
  /** The state decided on and the read it stands on: lane 0's carried one when good (no read). */
  const carried = lane0 ? await carriedPosition(deps.store, walletId, lane0) : undefined;
  // A batch of several, or one starting from a carried state (newer than any read its leader sent
  // on arrival), reads afresh when it reads: the leader's early read is not taken.
  const placement = placementOf(deps, leader.write, batch.length > 1 || carried !== undefined);
  /** Whether `from` was read for this batch (else carried: only a committed append proves it current). */
  let read = carried === undefined;
  let from = carried ?? {
    base: tokenNow(),
    position: await placement.start(),
  };
  let position = from.position;
  let conflicts = 0;
  let lastConflict: VersionConflictError | undefined;
  let attempt = 0;
  while (pending.length > 0) {
    const { decided, deferred } = await decideInOrder(
      walletId,
      leader.write.placement,
      position,
      pending,
      alone,
    );
    // What did not fit goes first into the next batch; it was not decided into this one's state.
    group.waiting.unshift(...deferred);
    pending = pending.filter((entry) => !deferred.includes(entry));
    const parts = decided.flatMap((one) => (one.kind === 'part' ? [one] : []));
    if (parts.length === 0 && !read) {
      // Refusals only, on a carried state: no append will prove it current, and another writer
      // may have appended since. Read, and decide again, as alone (found by npm run sim).
      from = { base: tokenNow(), position: await placement.start() };
      position = from.position;
      read = true;
      continue;
    }
    if (parts.length === 0) {
      // Nothing to write: the answers stand on the state read, as they would alone.
      if (lane0) carryAsRead(deps.store, walletId, from, lane0);
      await settle(decided.map((one) => [one.entry, (one as Extract<Decided, { kind: 'answer' }>).answer]));
      return;
    }
    const { lane, head } = position.at;
    let outcome: Awaited<ReturnType<NonNullable<EventStore['appendGroup']>>>;
    try {
      outcome = await (deps.store.appendGroup as NonNullable<EventStore['appendGroup']>)({
        walletId,
        lane,
        expected: head,
        parts: oneExpiryPerBatch(parts.map((one) => one.part)),
      });
    } catch (error) {
      if (!isVersionConflict(error)) {
        dropCarried(deps.store, walletId);
        await failed(error, decided, alone);
        return;
      }
      conflicts++;
      lastConflict = error;
      if (++attempt >= placement.attemptsMax) break;
      // Lost again in a row: writers elsewhere race this one; a jittered pause lets one through.
      if (attempt >= 2) await pause(deps, attempt);
      if (lane0) lostRace(deps.store, walletId);
      const base = tokenNow();
      const tail = lane0 ? await readTail(deps.store, walletId, from, lane0) : undefined;
      position = tail?.position ?? (await placement.next(position, error, attempt - 1));
      from = tail ?? { base, position };
      read = true;
      placement.remember(position.at);
      continue;
    }
    if (outcome.kind === 'keys-taken') {
      // The others are decided again without them (their events were decided after these).
      pending = answerTakenKeys(outcome.taken, parts, pending);
      continue;
    }
    placement.remember({ lane, head: outcome.head });
    if (lane0) carryAfterCommit(deps.store, walletId, from, outcome.parts.flat(), outcome.head, lane0);
    const recorded = new Map(parts.map((one, index) => [one, outcome.parts[index] as RecordedEvent[]]));
    await settle(
      decided.map((one) => [
        one.entry,
        one.kind === 'answer'
          ? one.answer
          : async () => ({
              kind: 'recorded',
              events: recorded.get(one) ?? [],
              ...(one.response ? { response: one.response } : {}),
              conflicts,
              state: one.state,
              command: one.command,
            }),
      ]),
    );
    return;
  }
  // Out of attempts: each caller as it would be alone (a keyed one may find its twin won).
  await settle(
    pending.map((entry) => [
      entry,
      (): Promise<AnyOutcome> =>
        outOfAttempts(deps.store, entry.write.idempotency, conflicts, lastConflict, 'group commit'),
    ]),
  );
}

/**
 * Each pending command in order: built and decided against the state the ones before it leave
 * (lane 0: their events folded in; commuting lanes need no state). Commands whose items would not
 * fit the transaction, or whose index entries touch an item an earlier part touches (or one this
 * module cannot name), are deferred to the next batch.
 */
async function decideInOrder(
  walletId: string,
  placement: AnyWrite['placement'],
  position: { at: { lane: number; head: StreamHead }; state: WalletState },
  pending: readonly Waiting[],
  alone: Alone,
): Promise<{ decided: Decided[]; deferred: Waiting[] }> {
  const decided: Decided[] = [];
  const deferred: Waiting[] = [];
  const { lane, head } = position.at;
  let state = position.state;
  let version = head.version;
  // The lane registration takes one item when the batch opens a lane.
  let items = lane > 0 && head.version === 0 ? 1 : 0;
  /** The index items the parts so far write (DynamoDB refuses two operations on one item). */
  const touched = new Set<string>();
  /** Set once a command runs alone in its turn: the ones after it wait for the next batch. */
  let closed = false;
  for (const entry of pending) {
    const { write } = entry;
    if (closed || deferred.length > 0) {
      deferred.push(entry);
      continue;
    }
    const stateNow = placement === 'lane-0' ? state : initialWalletState();
    let command: WalletCommand | DomainError;
    let decision: Decision;
    try {
      command = await write.command(stateNow);
      decision = isDomainError(command) ? command : write.decide(command, stateNow);
    } catch (error) {
      // Thrown while building or deciding: that caller hears it, as alone; the batch goes on.
      decided.push({ kind: 'answer', entry, answer: () => Promise.reject(error) });
      continue;
    }
    if (isDomainError(decision)) {
      decided.push({
        kind: 'answer',
        entry,
        answer: () => refusal(entry.deps.store, write.idempotency, decision),
      });
      continue;
    }
    const built = command as WalletCommand;
    if (decision.length === 0) {
      decided.push({
        kind: 'answer',
        entry,
        answer: async () => ({ kind: 'unchanged', state: stateNow, command: built }),
      });
      continue;
    }
    const events = withTrace(write.stamp(decision, built), entry.context);
    const index = appendIndexOf(walletId, stateNow, lane, version, events, write.indexes);
    const size = decision.length + index.length + (write.idempotency ? 1 : 0);
    const touches = index.map(indexItemOf);
    const clashes =
      touches.some((item) => (item === undefined ? touched.size > 0 : touched.has(item))) ||
      (touched.has(EXCLUSIVE) && index.length > 0);
    if (items + size > GROUP_ITEMS_MAX || clashes) {
      if (decided.some((one) => one.kind === 'part')) {
        deferred.push(entry);
        continue;
      }
      // Too big for any batch: deferring it would defer it (and all behind it) for ever. It runs
      // alone, in its turn (the ones after it wait for the next batch), and succeeds or fails as
      // it would alone.
      decided.push({
        kind: 'answer',
        entry,
        answer: () => inCallerTrace(entry.context, () => alone(entry.deps, write)),
      });
      closed = true;
      continue;
    }
    for (const item of touches) touched.add(item ?? EXCLUSIVE);
    const reference = write.idempotency && (write.idempotency.reference ?? write.idempotency.key);
    const records: RecordedEvent[] = events.map((event, offset) => ({
      ...event,
      walletId,
      lane,
      version: version + 1 + offset,
      ...(reference === undefined ? {} : { idempotencyKey: reference }),
    }));
    const response = write.respond?.(records);
    decided.push({
      kind: 'part',
      entry,
      part: {
        events,
        ...(index.length > 0 ? { index } : {}),
        ...(write.idempotency && response ? { idempotency: { ...write.idempotency, response } } : {}),
      },
      response,
      state: stateNow,
      command: built,
    });
    items += size;
    version += events.length;
    if (write.placement === 'lane-0') state = write.fold(records, state);
  }
  return { decided, deferred };
}

/**
 * A failure other than a lost race. A store refusal of the request itself (validation) wrote
 * nothing: every command runs again alone, so only the one at fault hears of it. Anything else may
 * have committed: the callers whose events were in it get the error, as they would alone (they
 * retry with their key); the rest wrote nothing and run alone.
 */
async function failed(error: unknown, decided: Decided[], alone: Alone): Promise<void> {
  const wroteNothing = error instanceof Error && error.name === 'ValidationException';
  for (const { kind, entry } of decided) {
    if (kind === 'part' && !wroteNothing) entry.reject(error);
    else await runAlone(entry, alone);
  }
}
