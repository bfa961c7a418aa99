import { describe, expect, it } from 'vitest';
import { HmacCheckpointSigner } from '#adapters/hmac-signer.ts';
import { checkpointWallets } from '#app/checkpoint-sweep.ts';
import { verifyWallet } from '#app/queries/verify.ts';
import { projectWallet } from '#app/wallet-projection.ts';
import type { ThresholdConfig } from '#domain/threshold.ts';
import type {
  CheckpointPassMark,
  CheckpointStore,
  LaneCheckpoint,
  ViewsAndLanes,
  WalletInHand,
} from '#ports/checkpoints.ts';
import type { StreamHead, WalletPageRequest } from '#ports/event-store.ts';
import { InMemoryEventStore } from '../../support/in-memory-event-store.ts';
import { Rounds } from '../../support/rounds.ts';

/** Checkpoints and the pass mark in memory, as the DynamoDB store keeps them (one per lane, forward only). */
class MemoryCheckpoints implements CheckpointStore {
  readonly saved = new Map<string, LaneCheckpoint>();
  passMark: CheckpointPassMark = { scan: null, done: 0 };
  async checkpoints(walletId: string) {
    return [...this.saved.values()].filter((checkpoint) => checkpoint.walletId === walletId);
  }
  async save(checkpoint: LaneCheckpoint) {
    const key = `${checkpoint.walletId}|${checkpoint.lane}`;
    if ((this.saved.get(key)?.version ?? 0) <= checkpoint.version) this.saved.set(key, { ...checkpoint });
  }
  async mark() {
    return { ...this.passMark };
  }
  async saveMark(mark: CheckpointPassMark) {
    this.passMark = { ...mark };
  }
}

/** Checkpoints, counting the saves. */
class SliceCheckpoints extends MemoryCheckpoints {
  saves = 0;
  override async save(checkpoint: LaneCheckpoint) {
    this.saves++;
    return super.save(checkpoint);
  }
}

const THRESHOLD: ThresholdConfig = { thresholdMinor: 1_000_000n, windowMs: 120_000, retainMax: 200 };

/** Checkpoints that come with a page of wallets (CheckpointPassMarks.walletPage), as the DynamoDB sweep store's do. */
class PagedCheckpoints extends SliceCheckpoints {
  /** A wallet the page leaves out of its checkpoints (its partition is where the page starts). */
  leftOut: string | undefined;
  /** The wallets whose checkpoints were asked apart. */
  readonly asked: string[] = [];
  constructor(protected readonly events: InMemoryEventStore) {
    super();
  }
  override async checkpoints(walletId: string) {
    this.asked.push(walletId);
    return super.checkpoints(walletId);
  }
  viewsAndLanes: ((walletIds: readonly string[]) => Promise<ViewsAndLanes>) | undefined;
  async walletPage(request: WalletPageRequest) {
    const page = await this.events.walletIds(request);
    const known = page.walletIds.filter((walletId) => walletId !== this.leftOut);
    const all = [...this.saved.values()];
    return {
      ...page,
      checkpoints: new Map(
        known.map((walletId) => [walletId, all.filter((each) => each.walletId === walletId)]),
      ),
    };
  }
}

/**
 * A page that also holds its one-lane wallets whole (CheckpointedWalletPage.inHand), as the
 * DynamoDB sweep store's does for a partition its Scan read whole: their views and registries as
 * the page was read, lane 0's walk when asked.
 */
class WholePages extends PagedCheckpoints {
  override async walletPage(request: WalletPageRequest) {
    const page = await super.walletPage(request);
    const held = new Map<string, Omit<WalletInHand, 'laneZero'>>();
    for (const walletId of page.checkpoints.keys()) {
      const [view, lanes] = await Promise.all([this.events.getView(walletId), this.events.lanes(walletId)]);
      if (lanes.length === 1) held.set(walletId, { view: view && { lanes: view.lanes }, lanes });
    }
    return {
      ...page,
      inHand: (walletId: string, from: StreamHead | undefined): WalletInHand | undefined => {
        const wallet = held.get(walletId);
        const fromHeads = from === undefined ? undefined : new Map([[0, from]]);
        return wallet && { ...wallet, laneZero: this.events.verify(walletId, fromHeads, [0]) };
      },
    };
  }
}

/** A first deposit to a lane of a wallet. */
async function opened(store: InMemoryEventStore, walletId: string, lane: number, eventId: string) {
  const outcome = await store.append({
    walletId,
    lane,
    expected: { version: 0, hash: '' },
    events: [{ type: 'Deposited', data: { amountMinor: 100n, occurredAtMs: 1 }, eventId, recordedAtMs: 1 }],
  });
  expect(outcome.kind).toBe('appended');
}

/** A deposit appended to lane 0 of a wallet, at its head. */
async function depositedNext(store: InMemoryEventStore, walletId: string, eventId: string) {
  await store.append({
    walletId,
    lane: 0,
    expected: await store.head(walletId, 0),
    events: [{ type: 'Deposited', data: { amountMinor: 5n, occurredAtMs: 3 }, eventId, recordedAtMs: 3 }],
  });
}

async function walletsOf(count: number, pageSize?: number): Promise<InMemoryEventStore> {
  const store = new InMemoryEventStore(pageSize === undefined ? {} : { pageSize });
  for (let index = 0; index < count; index++) await opened(store, `w${index}`, 0, `e${index}`);
  return store;
}

/** A store that reads a slice of wallets' registries at once (EventStore.lanesOf), as the DynamoDB one does. */
class SliceStore extends InMemoryEventStore {
  /** Each lanesOf call's wallets. */
  readonly lanesAsked: string[][] = [];
  /** Wallet → a lane its registry no longer lists (an edited registry; the events stay). */
  readonly hiddenLanes = new Map<string, number>();
  async lanesOf(walletIds: readonly string[]): Promise<Map<string, number[]>> {
    this.lanesAsked.push([...walletIds]);
    const lanes = await Promise.all(walletIds.map((walletId) => this.lanes(walletId)));
    return new Map(
      walletIds.map((walletId, index) => [
        walletId,
        (lanes[index] ?? []).filter((lane) => lane !== this.hiddenLanes.get(walletId)),
      ]),
    );
  }
}

async function slicedWallets(count: number): Promise<SliceStore> {
  const store = new SliceStore();
  for (let index = 0; index < count; index++) await opened(store, `w${index}`, 0, `e${index}`);
  return store;
}

describe('the scheduled checkpoint pass', () => {
  const signer = new HmacCheckpointSigner(Buffer.alloc(32, 9));
  /** A tick's deps on one in-memory store, its checkpoints and mark in `checkpoints`, the clock still. */
  const depsOn = (store: InMemoryEventStore, checkpoints: MemoryCheckpoints) => ({
    events: store,
    readModels: store,
    checkpoints: { store: checkpoints, signer },
    marks: checkpoints,
    clock: { nowMs: () => 0 },
  });

  /** depsOn's, each store call counted in `rounds`. */
  const remoteDeps = (rounds: Rounds, store: InMemoryEventStore, checkpoints: MemoryCheckpoints) => ({
    events: rounds.remote(store),
    readModels: rounds.remote(store),
    checkpoints: { store: rounds.remote(checkpoints), signer },
    marks: rounds.remote(checkpoints),
    clock: { nowMs: () => 0 },
  });

  it('sends its first requests before what it waits for is ready (the key), reads no answer before, and writes nothing when it fails', async () => {
    const store = await walletsOf(2);
    const checkpoints = new SliceCheckpoints();
    const sent: string[] = [];
    const events = new Proxy(store, {
      get: (target, name, receiver) => {
        const value = Reflect.get(target, name, receiver);
        if (name !== 'walletIds' || typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          sent.push('walletIds');
          return value.apply(target, args);
        };
      },
    });
    const marks = {
      mark: async () => {
        sent.push('mark');
        return checkpoints.mark();
      },
      saveMark: async (mark: CheckpointPassMark) => checkpoints.saveMark(mark),
    };
    let loaded!: (value: unknown) => void;
    let failed!: (error: Error) => void;
    const ready = new Promise((resolve, reject) => {
      loaded = resolve;
      failed = reject;
    });
    const deps = { ...depsOn(events, checkpoints), marks, ready };
    const tick = checkpointWallets(deps, { walletsMax: 10, budgetMs: 1_000 });
    await new Promise((resolve) => setTimeout(resolve, 5));
    // Both first requests are out while the key still loads; nothing else was asked.
    expect(sent).toEqual(['walletIds', 'mark']);
    expect(checkpoints.saves).toBe(0);
    loaded(undefined);
    expect(await tick).toMatchObject({ signed: 2, broken: [], passEnded: true });
    // A key that fails: the tick fails, after the same two requests, and writes nothing.
    sent.length = 0;
    const saves = checkpoints.saves;
    const noKey = new Promise((_, reject) => {
      failed = reject;
    });
    const failing = checkpointWallets({ ...deps, ready: noKey }, { walletsMax: 10, budgetMs: 1_000 });
    failed(new Error('no checkpoint key'));
    await expect(failing).rejects.toThrow('no checkpoint key');
    expect(sent).toEqual(['walletIds', 'mark']);
    expect(checkpoints.saves).toBe(saves);
  });

  it('signs every wallet over as many ticks as its limit needs, then starts a new pass', async () => {
    const store = await walletsOf(7);
    const checkpoints = new MemoryCheckpoints();
    const deps = depsOn(store, checkpoints);
    const reports = [];
    for (let tick = 0; tick < 3; tick++)
      reports.push(await checkpointWallets(deps, { walletsMax: 3, budgetMs: 1_000 }));
    expect(reports.map((report) => [report.signed, report.passEnded])).toEqual([
      [3, false],
      [3, false],
      [1, true],
    ]);
    expect(checkpoints.saved.size).toBe(7);
    for (const checkpoint of checkpoints.saved.values()) expect(checkpoint.version).toBe(1);
    expect(checkpoints.passMark).toEqual({ scan: null, done: 0 });
  });

  it('reports a wallet whose log was edited and signs nothing for it', async () => {
    const store = await walletsOf(2);
    const checkpoints = new MemoryCheckpoints();
    // A signed checkpoint that no longer matches: as if the table had been rewritten since.
    await checkpoints.save({
      walletId: 'w1',
      lane: 0,
      version: 1,
      hash: 'f'.repeat(64),
      signature: '0'.repeat(64),
    });
    const report = await checkpointWallets(
      {
        events: store,
        readModels: store,
        checkpoints: { store: checkpoints, signer },
        marks: checkpoints,
        clock: { nowMs: () => 0 },
      },
      { walletsMax: 10, budgetMs: 1_000 },
    );
    expect(report.signed).toBe(1);
    expect(report.broken).toEqual([expect.objectContaining({ walletId: 'w1', lane: 0 })]);
    expect(checkpoints.saved.get('w1|0')?.signature).toBe('0'.repeat(64));
  });

  it('verifies the wallets of a tick a few at a time, not one after another', async () => {
    const store = await walletsOf(5);
    const checkpoints = new MemoryCheckpoints();
    let reading = 0;
    let mostAtOnce = 0;
    // Every wallet's first read (its checkpoints) waits a turn, so overlapping wallets overlap here.
    const slow = {
      checkpoints: async (walletId: string) => {
        reading++;
        mostAtOnce = Math.max(mostAtOnce, reading);
        await new Promise((resolve) => setTimeout(resolve, 5));
        reading--;
        return checkpoints.checkpoints(walletId);
      },
      save: (checkpoint: LaneCheckpoint) => checkpoints.save(checkpoint),
    };
    const deps = {
      events: store,
      readModels: store,
      checkpoints: { store: slow, signer },
      marks: checkpoints,
      clock: { nowMs: () => 0 },
    };
    const report = await checkpointWallets(deps, { walletsMax: 100, budgetMs: 1_000 });
    expect(report).toMatchObject({ signed: 5, broken: [], passEnded: true });
    expect(mostAtOnce).toBe(5);
  });

  /** The tick's calls to the table, grouped in the rounds it waits on, and the lanes each walk was handed. */
  async function tickRounds(store: InMemoryEventStore, checkpoints: MemoryCheckpoints) {
    const rounds = new Rounds();
    const walked: unknown[] = [];
    const remote = <T extends object>(target: T): T =>
      rounds.remote(target, (name, args) => {
        if (name === 'verify') walked.push(args[2]);
      });
    const report = await checkpointWallets(
      {
        events: remote(store),
        readModels: remote(store),
        checkpoints: { store: remote(checkpoints), signer },
        marks: remote(checkpoints),
        clock: { nowMs: () => 0 },
      },
      { walletsMax: 10, budgetMs: 1_000 },
    );
    expect(report).toMatchObject({ signed: 1, broken: [], passEnded: true });
    return { rounds: rounds.list(), walked };
  }

  it('waits on the table in four rounds for a one-wallet tick: the mark with the first page, the view with the checkpoints, the lanes with the walk of lane 0 (which reports its head), and no mark saved that the table holds', async () => {
    const checkpoints = new MemoryCheckpoints();
    const { rounds, walked } = await tickRounds(await walletsOf(1), checkpoints);
    expect(rounds).toEqual([
      ['mark', 'walletIds'],
      ['checkpoints', 'getViews'],
      ['lanes', 'verify'],
      ['save'],
    ]);
    // Lane 0 is walked with the registry read (not read again), and no head is read apart.
    expect(walked).toEqual([[0]]);
    expect(checkpoints.saved.get('w0|0')?.version).toBe(1);
  });

  it('walks a hot wallet’s other lanes once the registry names them, and signs its lanes together', async () => {
    const store = await walletsOf(1);
    await opened(store, 'w0', 3, 'hot');
    const checkpoints = new MemoryCheckpoints();
    const { rounds, walked } = await tickRounds(store, checkpoints);
    expect(rounds).toEqual([
      ['mark', 'walletIds'],
      ['checkpoints', 'getViews'],
      ['lanes', 'verify'],
      ['verify'],
      ['save', 'save'],
    ]);
    expect(walked).toEqual([[0], [3]]);
    expect([...checkpoints.saved.keys()].sort()).toEqual(['w0|0', 'w0|3']);
  });

  it('reads a slice of wallets’ views in one request and their registries in one, each wallet’s checkpoints before its registry and its walk', async () => {
    const store = await slicedWallets(3);
    await opened(store, 'w1', 3, 'hot');
    const checkpoints = new SliceCheckpoints();
    const rounds = new Rounds();
    const report = await checkpointWallets(remoteDeps(rounds, store, checkpoints), {
      walletsMax: 10,
      budgetMs: 1_000,
    });
    expect(report).toMatchObject({ signed: 3, broken: [], passEnded: true });
    // One getViews and one lanesOf for the three wallets (a getView and a lanes each before), and
    // then their four checkpoints saved at once.
    expect(rounds.list()).toEqual([
      ['mark', 'walletIds'],
      ['checkpoints', 'checkpoints', 'checkpoints', 'getViews'],
      ['lanesOf', 'verify', 'verify', 'verify'],
      // w1's lane 3, which its registry names.
      ['verify'],
      ['save', 'save', 'save', 'save'],
    ]);
    expect(store.lanesAsked).toEqual([['w0', 'w1', 'w2']]);
    expect(checkpoints.saves).toBe(4);
    expect([...checkpoints.saved.keys()].sort()).toEqual(['w0|0', 'w1|0', 'w1|3', 'w2|0']);
  });

  it('in a slice, reports and leaves unsigned a wallet with a forged checkpoint and one whose registry lost a checkpointed lane, and signs the others', async () => {
    const store = await slicedWallets(3);
    await opened(store, 'w2', 3, 'hot');
    const checkpoints = new SliceCheckpoints();
    const deps = depsOn(store, checkpoints);
    const limits = { walletsMax: 10, budgetMs: 1_000 };
    expect(await checkpointWallets(deps, limits)).toMatchObject({ signed: 3, broken: [] });
    // Every wallet moves on in lane 0; then w1's checkpoint is forged and w2's registry loses lane 3.
    for (const walletId of ['w0', 'w1', 'w2']) {
      const head = await store.head(walletId, 0);
      await store.append({
        walletId,
        lane: 0,
        expected: head,
        events: [
          {
            type: 'Deposited',
            data: { amountMinor: 100n, occurredAtMs: 2 },
            eventId: `${walletId}-2`,
            recordedAtMs: 2,
          },
        ],
      });
    }
    const w1 = checkpoints.saved.get('w1|0') as LaneCheckpoint;
    checkpoints.saved.set('w1|0', { ...w1, signature: '0'.repeat(64) });
    store.hiddenLanes.set('w2', 3);
    const report = await checkpointWallets(deps, limits);
    expect(report.signed).toBe(1);
    expect(report.broken).toEqual([
      expect.objectContaining({ walletId: 'w1', lane: 0, reason: expect.stringContaining('forged') }),
      expect.objectContaining({ walletId: 'w2', lane: 3, reason: expect.stringContaining('registry') }),
    ]);
    expect(store.lanesAsked).toEqual([
      ['w0', 'w1', 'w2'],
      ['w0', 'w1', 'w2'],
    ]);
    // Four checkpoints in the first tick; only w0's moved head in the second.
    expect(checkpoints.saves).toBe(5);
    expect(checkpoints.saved.get('w0|0')?.version).toBe(2);
    expect(checkpoints.saved.get('w1|0')?.signature).toBe('0'.repeat(64));
    expect(checkpoints.saved.get('w2|0')?.version).toBe(1);
  });

  it('takes the checkpoints a page of wallets came with (CheckpointPassMarks.walletPage) before the registries and walks, reads apart those of a wallet the page left out, and still reports a forged one', async () => {
    const store = await slicedWallets(3);
    const checkpoints = new PagedCheckpoints(store);
    const deps = depsOn(store, checkpoints);
    const limits = { walletsMax: 10, budgetMs: 1_000 };
    expect(await checkpointWallets(deps, limits)).toMatchObject({ signed: 3, broken: [] });
    const w1 = checkpoints.saved.get('w1|0') as LaneCheckpoint;
    checkpoints.saved.set('w1|0', { ...w1, signature: '0'.repeat(64) });
    // The page leaves w2 out (as a page that starts inside w2's partition does).
    checkpoints.leftOut = 'w2';
    const rounds = new Rounds();
    const report = await checkpointWallets(remoteDeps(rounds, store, checkpoints), limits);
    expect(report.signed).toBe(2);
    expect(report.broken).toEqual([
      expect.objectContaining({ walletId: 'w1', lane: 0, reason: expect.stringContaining('forged') }),
    ]);
    // w0 and w1 (their checkpoints in hand): views, registries and lane 0's walks at once; w2 (left
    // out): its checkpoints and view, then its registry and walk. w1, found forged, is verified
    // again with its reads in order, and is still reported.
    expect(rounds.list()).toEqual([
      ['mark', 'walletPage'],
      ['checkpoints', 'getViews', 'getViews', 'lanesOf', 'verify', 'verify'],
      ['checkpoints', 'getView', 'lanesOf', 'verify'],
      ['lanes', 'verify'],
    ]);
    expect(checkpoints.asked).toEqual(['w2', 'w1']);
  });

  it('with the checkpoints in hand, verifies again in order a wallet whose view its walk came too early for (an event appended and projected meanwhile), and signs it: no false report', async () => {
    const store = await slicedWallets(2);
    const checkpoints = new PagedCheckpoints(store);
    const deps = depsOn(store, checkpoints);
    const limits = { walletsMax: 10, budgetMs: 1_000 };
    expect(await checkpointWallets(deps, limits)).toMatchObject({ signed: 2, broken: [] });
    for (const walletId of ['w0', 'w1']) await projectWallet(store, store, walletId, THRESHOLD);
    // The views and registries answer after the walks have read lane 0, with w1's next event
    // appended and projected in between.
    checkpoints.viewsAndLanes = async (walletIds: readonly string[]) => {
      await new Promise((resolve) => setTimeout(resolve, 0));
      await depositedNext(store, 'w1', 'late');
      await projectWallet(store, store, 'w1', THRESHOLD);
      const [views, lanes] = await Promise.all([store.getViews(walletIds), store.lanesOf(walletIds)]);
      return { views, lanes };
    };
    expect(await checkpointWallets(deps, limits)).toEqual({ signed: 2, broken: [], passEnded: true });
    // Only w1 was verified again (its checkpoints read apart), and its new head is signed.
    expect(checkpoints.asked).toEqual(['w1']);
    expect(checkpoints.saved.get('w1|0')?.version).toBe(2);
  });

  it('verifies the wallets a page holds whole from it (no read before the heads it signs), the others as before, and again in order one found broken from it', async () => {
    const store = await slicedWallets(3);
    await opened(store, 'w2', 4, 'hot');
    const checkpoints = new WholePages(store);
    const deps = depsOn(store, checkpoints);
    const limits = { walletsMax: 10, budgetMs: 1_000 };
    const first = new Rounds();
    expect(await checkpointWallets(remoteDeps(first, store, checkpoints), limits)).toMatchObject({
      signed: 3,
      broken: [],
    });
    // w0 and w1 from the page; w2 (lane 4 listed) its view, registry and walks read.
    expect(first.list()).toEqual([
      ['mark', 'walletPage'],
      ['getViews', 'lanesOf', 'verify'],
      ['verify'],
      ['save', 'save', 'save', 'save'],
    ]);
    // w1's checkpoint forged: found from the page, then verified again in order, and reported.
    const w1 = checkpoints.saved.get('w1|0') as LaneCheckpoint;
    checkpoints.saved.set('w1|0', { ...w1, signature: '0'.repeat(64) });
    for (const walletId of ['w0', 'w1']) await projectWallet(store, store, walletId, THRESHOLD);
    await depositedNext(store, 'w0', 'w0-2');
    const rounds = new Rounds();
    const report = await checkpointWallets(remoteDeps(rounds, store, checkpoints), limits);
    expect(report.broken).toEqual([
      expect.objectContaining({ walletId: 'w1', lane: 0, reason: expect.stringContaining('forged') }),
    ]);
    expect(report.signed).toBe(2);
    // w0 (its new head) and w1 from the page, w2 read as before; then w1 again, in order.
    expect(rounds.list()).toEqual([
      ['mark', 'walletPage'],
      ['getViews', 'lanesOf', 'verify'],
      ['verify'],
      ['checkpoints', 'getView'],
      ['lanes', 'verify'],
      ['save'],
    ]);
    expect(checkpoints.saved.get('w0|0')?.version).toBe(2);
    expect(deps.checkpoints.store.saved.get('w1|0')?.signature).toBe('0'.repeat(64));
  });

  it('reads the page a mark further on points at, not the first page read with the mark', async () => {
    const store = await walletsOf(5, 2);
    const checkpoints = new MemoryCheckpoints();
    checkpoints.passMark = { scan: '2', done: 1 };
    const pages: unknown[] = [];
    const rounds = new Rounds();
    const events = rounds.remote(store, (name, args) => {
      if (name === 'walletIds') pages.push((args[0] as { cursor: string | null }).cursor);
    });
    const report = await checkpointWallets(
      {
        events,
        readModels: store,
        checkpoints: { store: checkpoints, signer },
        marks: rounds.remote(checkpoints),
        clock: { nowMs: () => 0 },
      },
      { walletsMax: 10, budgetMs: 1_000 },
    );
    // Pages [w0 w1] [w2 w3] [w4]: the mark stands after w2, so w3 and w4 are this tick's.
    expect(report).toMatchObject({ signed: 2, broken: [], passEnded: true });
    expect([...checkpoints.saved.keys()].sort()).toEqual(['w3|0', 'w4|0']);
    expect(pages).toEqual([null, '2', '4']);
    expect(rounds.list().slice(0, 2)).toEqual([['mark', 'walletIds'], ['walletIds']]);
  });

  it('saves the mark only where it moved: mid-pass, and back at the start after a pass that began mid-pass', async () => {
    const store = await walletsOf(7);
    const checkpoints = new MemoryCheckpoints();
    const saves: CheckpointPassMark[] = [];
    const marks = {
      mark: () => checkpoints.mark(),
      saveMark: async (mark: CheckpointPassMark) => {
        saves.push({ ...mark });
        await checkpoints.saveMark(mark);
      },
    };
    const deps = {
      events: store,
      readModels: store,
      checkpoints: { store: checkpoints, signer },
      marks,
      clock: { nowMs: () => 0 },
    };
    const tick = (walletsMax: number) => checkpointWallets(deps, { walletsMax, budgetMs: 1_000 });
    // A whole pass in one tick, from the start: the mark it leaves is the one the table holds.
    expect((await tick(100)).passEnded).toBe(true);
    expect(saves).toEqual([]);
    // Cut short: the mark moves and is saved; the tick that ends that pass saves its start again.
    expect((await tick(5)).passEnded).toBe(false);
    expect((await tick(100)).passEnded).toBe(true);
    expect(saves).toEqual([
      { scan: null, done: 5 },
      { scan: null, done: 0 },
    ]);
  });

  it('stops at its time budget and goes on from its mark', async () => {
    const store = await walletsOf(4);
    const checkpoints = new MemoryCheckpoints();
    let nowMs = 0;
    const deps = {
      events: store,
      readModels: store,
      checkpoints: { store: checkpoints, signer },
      marks: checkpoints,
      // Each wallet takes 400 ms on this clock.
      clock: { nowMs: () => (nowMs += 200) },
    };
    const first = await checkpointWallets(deps, { walletsMax: 100, budgetMs: 1_000 });
    expect(first.passEnded).toBe(false);
    expect(first.signed).toBeGreaterThan(0);
    expect(first.signed).toBeLessThan(4);
    let signed = first.signed;
    for (let tick = 0; tick < 4 && signed < 4; tick++)
      signed += (await checkpointWallets(deps, { walletsMax: 100, budgetMs: 1_000 })).signed;
    expect(signed).toBe(4);
    expect(checkpoints.saved.size).toBe(4);
  });

  it('in verify-only mode (a read-only function) checks checkpoints and signs none', async () => {
    const store = await walletsOf(1);
    const checkpoints = new MemoryCheckpoints();
    const result = await verifyWallet(
      { events: store, readModels: store, checkpoints: { store: checkpoints, signer, sign: false } },
      'w0',
    );
    expect(result).toMatchObject({ ok: true });
    expect(checkpoints.saved.size).toBe(0);
  });
});
