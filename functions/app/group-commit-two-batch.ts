/**
 * A two-wallet group-commit batch of two or more commands (group-commit-two.ts queues them and
 * runs a command alone): decided in queue order on the states the last batches left or read now,
 * appended in one transaction, each caller answered after it commits. Loaded with `import()` the
 * first time two commands wait at once, so a process whose commands never wait for each other (a
 * Lambda instance) does not carry it in its cold start.
 */
import { foldWallet, type RecordedEvent } from '#domain/wallet.ts';
import {
  type EventStore,
  isVersionConflict,
  type StreamHead,
  type VersionConflictError,
} from '#ports/event-store.ts';
import { exactState } from './exact-state.ts';
import { answerTakenKeys } from './group-commit-queue.ts';
import { type Decided, decideInOrder, type Waiting } from './group-commit-two-decide.ts';
import { type Queue, runAlone, type TwoAlone, twoGroupStats } from './group-commit-two-queue.ts';
import { type KnownState, KnownStates, rememberCommitted } from './group-commit-two-states.ts';
import { defaultRetryPolicy, TWO_WALLET_ATTEMPTS_MAX, twoWalletBackoffMs } from './placement.ts';
import { outOfAttempts, type TwoWalletOutcome } from './write-outcome.ts';

export async function commitBatch(batch: Waiting[], queue: Queue, alone: TwoAlone): Promise<void> {
  const { deps } = batch[0] as Waiting;
  queue.known ??= new KnownStates();
  const known = queue.known;
  const retry = deps.retry ?? defaultRetryPolicy;
  let pending = batch;
  let conflicts = 0;
  let lastConflict: VersionConflictError | undefined;
  // Remembered states are used until the batch loses a race or would refuse on one: from then
  // on, every wallet of the batch is read (see group-commit-two-states.ts for why that is safe).
  let trustKnown = true;
  for (let attempt = 0; attempt < TWO_WALLET_ATTEMPTS_MAX && pending.length > 0; ) {
    const ids = [...new Set(pending.flatMap((entry) => entry.write.wallets.map((part) => part.walletId)))];
    const remembered = ids.map((id) => (trustKnown ? known.get(id) : undefined));
    const read: KnownState[] = await Promise.all(
      ids.map((id, index) => remembered[index] ?? exactState(deps.store, id, foldWallet)),
    );
    for (const [index, id] of ids.entries()) {
      if (remembered[index] === undefined) known.remember(id, read[index] as KnownState);
    }
    const heads = new Map(ids.map((id, index) => [id, (read[index] as KnownState).head]));
    const { decided, deferred, ...after } = decideInOrder(
      pending,
      heads,
      new Map(ids.map((id, i) => [id, (read[i] as KnownState).state])),
    );
    if (remembered.some((one) => one !== undefined) && decided.some((one) => one.kind === 'answer')) {
      // A refusal (or any answer without events) only on states read now: a remembered state may
      // lack a credit another lane got since, and the caller may have seen that credit answered.
      trustKnown = false;
      continue;
    }
    // Into the next batch: they were not decided into this one's states.
    queue.waiting.unshift(...deferred);
    pending = pending.filter((entry) => !deferred.includes(entry));
    const parts = decided.flatMap((one) => (one.kind === 'part' ? [one] : []));
    if (parts.length === 0) {
      await settle(decided.map((one) => [one.entry, (one as Extract<Decided, { kind: 'answer' }>).answer]));
      return;
    }
    const written = new Set(parts.flatMap((one) => one.part.events.map((events) => events.walletId)));
    let outcome: Awaited<ReturnType<NonNullable<EventStore['appendTogetherGroup']>>>;
    try {
      outcome = await (deps.store.appendTogetherGroup as NonNullable<EventStore['appendTogetherGroup']>)({
        heads: [...written].map((walletId) => ({ walletId, expected: heads.get(walletId) as StreamHead })),
        parts: parts.map((one) => one.part),
      });
    } catch (error) {
      // Lost or unknown: what the wallets hold now is read, not remembered.
      trustKnown = false;
      known.forget(ids);
      if (!isVersionConflict(error)) {
        const wroteNothing = error instanceof Error && error.name === 'ValidationException';
        for (const { kind, entry } of decided) {
          if (kind === 'part' && !wroteNothing) entry.reject(error);
          else await runAlone(entry, alone);
        }
        return;
      }
      conflicts++;
      lastConflict = error;
      await retry.sleep(twoWalletBackoffMs(retry, attempt));
      attempt++;
      continue;
    }
    if (outcome.kind === 'keys-taken') {
      pending = answerTakenKeys(outcome.taken, parts, pending);
      continue;
    }
    twoGroupStats.batches++;
    twoGroupStats.commands += parts.length;
    twoGroupStats.largest = Math.max(twoGroupStats.largest, parts.length);
    rememberCommitted(known, written, after, outcome.heads);
    const recorded = new Map(parts.map((one, index) => [one, outcome.parts[index] as RecordedEvent[][]]));
    await settle(
      decided.map((one) => [
        one.entry,
        one.kind === 'answer'
          ? one.answer
          : async () => {
              const [first, second] = recorded.get(one) ?? [];
              return {
                kind: 'recorded',
                events: [first ?? [], second ?? []],
                ...(one.response ? { response: one.response } : {}),
                conflicts,
              };
            },
      ]),
    );
    return;
  }
  await settle(
    pending.map((entry) => [
      entry,
      (): Promise<TwoWalletOutcome> =>
        outOfAttempts(deps.store, entry.write.idempotency, conflicts, lastConflict, 'group commit'),
    ]),
  );
}

async function settle(answers: [Waiting, () => Promise<TwoWalletOutcome>][]): Promise<void> {
  for (const [entry, answer] of answers) await answer().then(entry.resolve, entry.reject);
}
