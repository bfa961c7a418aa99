/**
 * The scheduled checkpoint (issue 10 §4.4): every tick verifies the next wallets of the store and
 * signs their heads (queries/verify.ts), so every wallet gets a signed checkpoint periodically,
 * not only when someone asks /verify. A pass walks every wallet once (EventStore.walletIds), over
 * as many ticks as it takes; each tick is bounded by a wallet count and a time budget and leaves a
 * mark where it stopped. A tick cut short (a Lambda timeout, a crash) loses nothing: its wallets
 * are verified again, which reads only what was appended since their checkpoints.
 */
import type {
  CheckpointedWalletPage,
  CheckpointPassMarks,
  CheckpointSigner,
  CheckpointStore,
} from '#ports/checkpoints.ts';
import type { Clock } from '#ports/clock.ts';
import type { EventStore } from '#ports/event-store.ts';
import type { ReadModelStore } from '#ports/read-models.ts';
import { verifyWallets } from './queries/verify.ts';

export interface CheckpointSweepDeps {
  events: EventStore;
  readModels: ReadModelStore;
  /** `sign: false`: check the checkpoints, sign none (VerifyDeps.checkpoints). */
  checkpoints: { store: CheckpointStore; signer: CheckpointSigner; sign?: boolean };
  marks: CheckpointPassMarks;
  clock: Clock;
  /**
   * What the tick must have before it reads any answer (the composition's checkpoint key, which in
   * AWS is a Secrets Manager read): awaited once the pass's first requests are sent, so that read
   * overlaps them instead of coming before them. A tick whose `ready` rejects reads nothing more
   * and writes nothing.
   */
  ready?: Promise<unknown>;
}

export interface CheckpointSweepLimits {
  /** Wallets one tick verifies at most. */
  walletsMax: number;
  /** A tick starts no wallet after this many ms (the function's timeout is longer). */
  budgetMs: number;
}

export interface CheckpointSweepReport {
  /** Wallets verified intact and checkpointed. */
  signed: number;
  /** Wallets whose log failed verification: where, and why (nothing is signed for them). */
  broken: { walletId: string; lane: number; version: number; reason: string }[];
  /** True when this tick finished a pass over every wallet (the next tick starts another). */
  passEnded: boolean;
}

/** Mark saving cadence inside a tick, so a killed tick redoes at most this many wallets (and a slice). */
const MARK_EVERY = 50;
/** Wallets verified at the same time. */
const WALLETS_AT_ONCE = 8;

export async function checkpointWallets(
  deps: CheckpointSweepDeps,
  limits: CheckpointSweepLimits,
): Promise<CheckpointSweepReport> {
  const deadlineMs = deps.clock.nowMs() + limits.budgetMs;
  const report: CheckpointSweepReport = { signed: 0, broken: [], passEnded: false };
  // The pass's first page is read with the mark, not after it: a tick whose mark is on that page
  // (`scan: null`: every tick over a table one tick covers) then waits on the table once before
  // its first wallets, not twice. It is the very request the loop sends for that mark, only sent
  // sooner: the page may change between ticks either way (the mark holds no snapshot), and no
  // wallet's verify order depends on it. A tick whose mark is further on (the last tick stopped at
  // its wallet or time limit) does not use it: one page read for nothing, up to 1 MB (128 read
  // units), beside a tick that reads at least 4 units per wallet for thousands of wallets.
  // A page comes with its wallets' checkpoints where the store can (CheckpointPassMarks.walletPage).
  const pageAt = (cursor: string | null): Promise<WalletPage> => {
    const request = { segment: 0, segments: 1, cursor };
    return deps.marks.walletPage?.(request) ?? deps.events.walletIds(request);
  };
  const firstPage = limits.walletsMax > 0 && limits.budgetMs > 0 ? pageAt(null) : undefined;
  // Unused (or failed and unused): no unhandled rejection. Used, it throws where it is awaited.
  firstPage?.catch(() => undefined);
  const markRead = deps.marks.mark();
  markRead.catch(() => undefined);
  await deps.ready;
  let mark = await markRead;
  /** The mark as the table holds it (read, or last saved by this tick). */
  let stored = mark;
  const save = async () => {
    await deps.marks.saveMark(mark);
    stored = mark;
  };
  let visited = 0;
  while (visited < limits.walletsMax && deps.clock.nowMs() < deadlineMs) {
    const page = mark.scan === null && firstPage !== undefined ? await firstPage : await pageAt(mark.scan);
    const todo = page.walletIds.slice(mark.done);
    // Wallets are independent: a few at a time, so a tick waits on the table once per slice, not
    // once per wallet. The mark still moves over whole slices in page order.
    let next = 0;
    while (next < todo.length) {
      // The next wallets, each started only within the limits (as when they ran one by one).
      const slice: string[] = [];
      while (
        slice.length < WALLETS_AT_ONCE &&
        next < todo.length &&
        visited + slice.length < limits.walletsMax &&
        deps.clock.nowMs() < deadlineMs
      ) {
        slice.push(todo[next++] as string);
      }
      if (slice.length === 0) break;
      // The checkpoints came with the page (read before the rest), and where the page read a
      // wallet's partition whole, its view, registry and lane 0's events too; the other wallets'
      // views and lane registries in one request where the store can, with lane 0's walks; then
      // the checkpoints it signs (queries/verify.ts verifyWallets, which reads a wallet the page
      // left out in order).
      const verified = await verifyWallets(deps, slice, {
        known: page.checkpoints,
        viewsAndLanes: deps.marks.viewsAndLanes?.bind(deps.marks),
        inHand: page.inHand?.bind(page),
      });
      for (const [index, result] of verified.entries()) {
        if (result?.ok === true) report.signed++;
        else if (result?.ok === false)
          report.broken.push({ walletId: slice[index] as string, ...pick(result) });
      }
      const before = visited;
      visited += slice.length;
      mark = { ...mark, done: mark.done + slice.length };
      if (Math.floor(visited / MARK_EVERY) > Math.floor(before / MARK_EVERY)) await save();
    }
    if (mark.done < page.walletIds.length) break;
    // This page is done: on to the next, or the pass is over.
    mark = { scan: page.nextCursor, done: 0 };
    if (page.nextCursor === null) {
      report.passEnded = true;
      break;
    }
  }
  // A tick that ends where it started (a whole pass in one tick, over a one-page table: the mark
  // read is the start of a pass, and so is the mark left) writes nothing: the table already holds
  // that mark. (A tick running at the same time may have saved another; either mark loses no
  // wallet, as when two ticks save theirs one after the other.)
  if (mark.scan !== stored.scan || mark.done !== stored.done) await save();
  return report;
}

/** A page of wallets, with their checkpoints (and what else it holds of them) when the store read them with it. */
type WalletPage = Awaited<ReturnType<EventStore['walletIds']>> &
  Partial<Pick<CheckpointedWalletPage, 'checkpoints' | 'inHand'>>;

const pick = ({ lane, version, reason }: { lane: number; version: number; reason: string }) => ({
  lane,
  version,
  reason,
});
