import type { WalletView } from '#domain/wallet-view.ts';
import {
  type CheckpointedWalletPage,
  type CheckpointSigner,
  type CheckpointStore,
  checkpointText,
  type LaneCheckpoint,
  type ViewsAndLanes,
} from '#ports/checkpoints.ts';
import type { ChainWalk, EventStore, StreamHead, VerifyResult } from '#ports/event-store.ts';
import type { ReadModelStore } from '#ports/read-models.ts';

export interface VerifyDeps {
  events: EventStore;
  readModels: ReadModelStore;
  /** Signed checkpoints; without them /verify walks every lane from version 1 and anchors to the read model only. */
  checkpoints?: {
    store: CheckpointStore;
    signer: CheckpointSigner;
    /**
     * False: check the stored checkpoints but sign none (a function that may read the table but not
     * write it: in AWS the scheduled checkpoint signs, the API only checks). @default true
     */
    sign?: boolean;
  };
}

type Broken = Extract<VerifyResult, { ok: false }>;

/**
 * What `/verify` answers. The hash chains alone prove only that each lane is internally
 * consistent: removing a lane's newest events, or the lane registry, leaves shorter chains that
 * still check, and whoever can write the table can rewrite an event and recompute every hash
 * after it. So each lane's head is also held against anchors outside the chain it proves:
 * - the read model, which records per lane the last version it applied (`view.lanes[k]`): a lane
 *   it applied that the store no longer lists, or whose head is below what was applied, lost
 *   acknowledged events;
 * - signed checkpoints ("lane L verified up to version V with hash H", HMAC under a key the table
 *   does not hold): the event at V must still exist with hash H, and its lane must still be listed.
 * The walk itself starts at each lane's checkpoint (incremental) unless `full` asks for all of it.
 * A verify that finds everything intact signs the heads its walk reached.
 */
export async function verifyWallet(
  deps: VerifyDeps,
  walletId: string,
  options: { full?: boolean } = {},
): Promise<VerifyResult | undefined> {
  const [result] = await verifyEach(deps, [walletId], apart(deps), options);
  return result;
}

/**
 * `verifyWallet` for each of several wallets (the checkpoint sweep's slice), answers in order. Each
 * wallet's reads keep their order (its view and checkpoints, then its registry and walk); the
 * slice's views are asked in one read (ReadModelStore.getViews) and its registries in one where the
 * store can (EventStore.lanesOf), instead of one request per wallet for each.
 *
 * `known`: checkpoints read already (the sweep's page, CheckpointedWalletPage), before anything
 * else of their wallets. Those wallets read their views, their registries and lane 0's walk at once
 * (`viewsAndLanes`: the views and registries in one request where the store can), a wait fewer.
 * That read has no order between the view and the registry and walk, so a view may name a lane or
 * an event they came too early for: a wallet found broken that way is verified again with its
 * reads in order (as `verifyWallet`), and only that answer counts. Nothing is missed by it: a view
 * and a registry only grow, so read later they can only show more to hold the log against.
 *
 * `inHand`: of those wallets, the ones the same read holds whole (CheckpointedWalletPage.inHand:
 * the sweep's Scan page, which reads a partition's checkpoints, lane 0's events, registry and view
 * in that order, strongly consistent) take their view, registry and lane 0's walk from it, as if
 * `viewsAndLanes` and the walk had answered: no order between them either (a view read after the
 * walk may name an event the walk came too early for: found broken, verified again in order).
 */
export async function verifyWallets(
  deps: VerifyDeps,
  walletIds: readonly string[],
  read: {
    known?: ReadonlyMap<string, readonly LaneCheckpoint[]>;
    viewsAndLanes?: (walletIds: readonly string[]) => Promise<ViewsAndLanes>;
    inHand?: CheckpointedWalletPage['inHand'];
  } = {},
): Promise<(VerifyResult | undefined)[]> {
  const reads = together(deps);
  const { known } = read;
  // Checkpoints in hand count only where checkpoints are checked (deps.checkpoints' signer).
  if (known === undefined || deps.checkpoints === undefined) return verifyEach(deps, walletIds, reads, {});
  const inHand = walletIds.filter((walletId) => known.has(walletId));
  const apartIds = walletIds.filter((walletId) => !known.has(walletId));
  const both =
    read.viewsAndLanes ??
    (async (ids: readonly string[]) => {
      const [views, lanes] = await Promise.all([reads.views(ids), reads.lanes(ids)]);
      return { views, lanes };
    });
  const [fast, ordered] = await Promise.all([
    inHand.length === 0 ? [] : verifyInHand(deps, inHand, known, both, read.inHand),
    apartIds.length === 0 ? [] : verifyEach(deps, apartIds, reads, {}),
  ]);
  const answers = new Map<string, VerifyResult | undefined>();
  for (const [index, walletId] of inHand.entries()) answers.set(walletId, fast[index]);
  for (const [index, walletId] of apartIds.entries()) answers.set(walletId, ordered[index]);
  return walletIds.map((walletId) => answers.get(walletId));
}

/**
 * How a verify reads its wallets' views and lane registries: a request per wallet, or a slice's at
 * once. The checkpoints it signs are saved a PutItem each, at once (a transaction of them would
 * cost twice the write units, every pass, for one request fewer in a cold process).
 */
interface SliceReads {
  views(walletIds: readonly string[]): Promise<ReadonlyMap<string, WalletView | undefined>>;
  lanes(walletIds: readonly string[]): Promise<ReadonlyMap<string, number[]>>;
}

const apart = ({ events, readModels }: VerifyDeps): SliceReads => ({
  views: async (walletIds) =>
    new Map(await Promise.all(walletIds.map(async (id) => [id, await readModels.getView(id)] as const))),
  lanes: async (walletIds) =>
    new Map(await Promise.all(walletIds.map(async (id) => [id, await events.lanes(id)] as const))),
});

const together = (deps: VerifyDeps): SliceReads => ({
  views: (walletIds) => deps.readModels.getViews(walletIds),
  lanes: (walletIds) => deps.events.lanesOf?.(walletIds) ?? apart(deps).lanes(walletIds),
});

async function verifyEach(
  deps: VerifyDeps,
  walletIds: readonly string[],
  reads: SliceReads,
  options: { full?: boolean },
): Promise<(VerifyResult | undefined)[]> {
  const { events: store } = deps;
  // The views and the signed checkpoints first, then the lanes and the walk: anything a view
  // applied was stored before the walk reads the heads, and a checkpoint (signed only over an event
  // that was stored, in a lane that was listed) is never above a head the walk reaches after it,
  // nor of a lane registered after the registry was read. The walk reports the head each lane ended
  // at, so no head is read apart, and lane 0 (always listed: EventStore.lanes) is walked while the
  // registry is read: a verify waits on the table twice (three times for a hot wallet).
  const [views, signed] = await Promise.all([
    reads.views(walletIds),
    Promise.all(
      walletIds.map((walletId) =>
        deps.checkpoints === undefined ? [] : deps.checkpoints.store.checkpoints(walletId),
      ),
    ),
  ]);
  const anchors = walletIds.map((walletId, index) => anchorOf(walletId, signed[index] ?? []));
  const [lanes, laneZeros] = await Promise.all([reads.lanes(walletIds), laneZeroWalks(store, anchors)]);
  const verified = await verifyAll(deps, anchors, { views, lanes }, laneZeros, options);
  await signMoved(deps, verified);
  return verified.map(({ result }) => result);
}

/**
 * The wallets whose checkpoints are in hand (verifyWallets' `known`), and those of them that the
 * same read holds whole (`scanned`: CheckpointedWalletPage.inHand, their view, registry and lane
 * 0's walk from the checkpoint in hand), which send no request before their signed heads.
 */
async function verifyInHand(
  deps: VerifyDeps,
  walletIds: readonly string[],
  known: ReadonlyMap<string, readonly LaneCheckpoint[]>,
  viewsAndLanes: (walletIds: readonly string[]) => Promise<ViewsAndLanes>,
  scanned: CheckpointedWalletPage['inHand'],
): Promise<(VerifyResult | undefined)[]> {
  const anchors = walletIds.map((walletId) => anchorOf(walletId, known.get(walletId) ?? []));
  // The checkpoints were read before: the views, the registries and lane 0's walks now, at once,
  // of the wallets the read did not hold whole (the walks in hand start first, sending nothing).
  const held = anchors.map(({ walletId, from }) => scanned?.(walletId, from.get(0)));
  const apartAnchors = anchors.filter((_, index) => held[index] === undefined);
  const [read, laneZeros, heldZeros] = await Promise.all([
    apartAnchors.length === 0
      ? { views: new Map(), lanes: new Map() }
      : viewsAndLanes(apartAnchors.map(({ walletId }) => walletId)),
    laneZeroWalks(deps.events, apartAnchors),
    Promise.all(held.map((wallet) => wallet?.laneZero)),
  ]);
  const views = new Map(read.views);
  const lanes = new Map(read.lanes);
  let next = 0;
  const walks = anchors.map(({ walletId }, index) => {
    const wallet = held[index];
    if (wallet === undefined) return laneZeros[next++];
    views.set(walletId, wallet.view);
    lanes.set(walletId, wallet.lanes);
    return heldZeros[index];
  });
  const verified = await verifyAll(deps, anchors, { views, lanes }, walks, {});
  // A wallet found broken: again, its reads in order; that answer counts (and signs if intact).
  const again = await Promise.all(
    verified.map(({ result }, index) =>
      result?.ok === false ? verifyEach(deps, [walletIds[index] as string], apart(deps), {}) : undefined,
    ),
  );
  await signMoved(deps, verified);
  return verified.map(({ result }, index) => (again[index] === undefined ? result : again[index][0]));
}

/** A wallet's checkpoints, and lane → the head to walk from (trusted only once they are checked). */
function anchorOf(walletId: string, signed: readonly LaneCheckpoint[]) {
  const from = new Map<number, StreamHead>(
    signed.map(({ lane, version, hash }) => [lane, { version, hash }] as const),
  );
  return { walletId, signed, from };
}

type Anchor = ReturnType<typeof anchorOf>;

/** Lane 0's walk of each wallet, from its checkpoint (it reports the head it reached). */
const laneZeroWalks = (store: EventStore, anchors: readonly Anchor[]) =>
  Promise.all(anchors.map(({ walletId, from }) => store.verify(walletId, from, [0])));

/** Each wallet's verify once its view, registry and lane 0's walk are in. */
function verifyAll(
  deps: VerifyDeps,
  anchors: readonly Anchor[],
  { views, lanes }: ViewsAndLanes,
  laneZeros: readonly (ChainWalk | undefined)[],
  options: { full?: boolean },
) {
  return Promise.all(
    anchors.map((anchor, index) => {
      const listed = lanes.get(anchor.walletId);
      const laneZero = laneZeros[index];
      if (listed === undefined || laneZero === undefined)
        throw new Error(`verify: the store answered no lanes for wallet ${anchor.walletId}`);
      const view = views.get(anchor.walletId);
      return verifyFromAnchors(deps, { ...anchor, view, lanes: listed, laneZero }, options);
    }),
  );
}

/** The heads of the wallets found intact, signed and saved together (none of a broken wallet). */
async function signMoved(deps: VerifyDeps, verified: readonly { moved: readonly MovedHead[] }[]) {
  const { checkpoints } = deps;
  const moved = verified.flatMap(({ moved }) => moved);
  if (checkpoints !== undefined && checkpoints.sign !== false && moved.length > 0)
    await Promise.all(moved.map(async (head) => checkpoints.store.save(await signHead(checkpoints, head))));
}

/** A lane's head, walked and found intact, to sign. */
type MovedHead = { walletId: string; lane: number } & StreamHead;

const signHead = async (
  checkpoints: NonNullable<VerifyDeps['checkpoints']>,
  { walletId, lane, version, hash }: MovedHead,
): Promise<LaneCheckpoint> => ({
  walletId,
  lane,
  version,
  hash,
  signature: await checkpoints.signer.sign(checkpointText(walletId, lane, version, hash)),
});

/**
 * One wallet's verify once its view, checkpoints, registry and lane 0's walk are in; intact, with
 * each lane's head that moved past its checkpoint (the walk has just covered it), to sign.
 */
async function verifyFromAnchors(
  deps: VerifyDeps,
  read: {
    walletId: string;
    /** The view's applied versions (all a verify holds against the log). */
    view: Pick<WalletView, 'lanes'> | undefined;
    signed: readonly LaneCheckpoint[];
    from: ReadonlyMap<number, StreamHead>;
    lanes: readonly number[];
    laneZero: ChainWalk;
  },
  options: { full?: boolean },
): Promise<{ result: VerifyResult | undefined; moved: MovedHead[] }> {
  const { events: store } = deps;
  const { walletId, view, signed, from, lanes, laneZero } = read;
  const answer = (result: VerifyResult | undefined) => ({ result, moved: [] });
  const others = lanes.filter((lane) => lane !== 0);
  // The checkpoints are checked before any walk's answer counts, as when they came before the walk.
  const [problem, rest] = await Promise.all([
    checkpointProblem(deps, walletId, signed, lanes),
    others.length === 0 ? undefined : store.verify(walletId, from, others),
  ]);
  if (problem !== undefined) return answer(problem);
  if (!laneZero.ok) return answer(laneZero);
  if (rest !== undefined && !rest.ok)
    return answer({ ...rest, eventsChecked: rest.eventsChecked + laneZero.events });
  const heads = new Map<number, StreamHead>([...laneZero.heads, ...(rest?.heads ?? [])]);
  const walked = laneZero.events + (rest?.events ?? 0);
  if (options.full === true && from.size > 0) {
    const whole = await store.verify(walletId, undefined, lanes);
    if (!whole.ok) return answer(whole);
  }
  const anchored = readModelProblem(view?.lanes ?? [], heads, walked);
  if (anchored !== undefined) return answer(anchored);
  const total = [...heads.values()].reduce((sum, head) => sum + head.version, 0);
  if (total === 0) return answer(undefined);
  const before = new Map(signed.map((checkpoint) => [checkpoint.lane, checkpoint.version]));
  const moved = [...heads]
    .filter(([lane, head]) => head.version > (before.get(lane) ?? 0))
    .map(([lane, head]) => ({ walletId, lane, ...head }));
  // `events` is the log's size (what the whole walk would count), however little this walk read.
  return { result: { ok: true, lanes: lanes.length, events: total }, moved };
}

const broken = (lane: number, version: number, reason: string, eventsChecked = 0): Broken => ({
  ok: false,
  lane,
  version,
  reason,
  eventsChecked,
});

/** Each signed checkpoint must verify, be the wallet's, and name a lane the store lists. */
async function checkpointProblem(
  deps: VerifyDeps,
  walletId: string,
  signed: readonly LaneCheckpoint[],
  lanes: readonly number[],
): Promise<Broken | undefined> {
  for (const checkpoint of signed) {
    const { lane, version, hash } = checkpoint;
    const text = checkpointText(walletId, lane, version, hash);
    if (
      checkpoint.walletId !== walletId ||
      !(await deps.checkpoints?.signer.verify(text, checkpoint.signature))
    ) {
      return broken(
        lane,
        version,
        `the signed checkpoint of lane ${lane} does not verify: it was forged or edited`,
      );
    }
    if (!lanes.includes(lane)) {
      return broken(
        lane,
        version,
        `a signed checkpoint holds lane ${lane} up to version ${version}, but the store does not list the lane (its registry was edited)`,
      );
    }
  }
  return undefined;
}

/** The read model's applied versions against the store's lanes and heads. */
function readModelProblem(
  applied: readonly number[],
  heads: ReadonlyMap<number, StreamHead>,
  eventsChecked: number,
): Broken | undefined {
  for (const [lane, version] of applied.entries()) {
    if (version === 0) continue;
    const head = heads.get(lane);
    if (head === undefined) {
      return broken(
        lane,
        version,
        `the read model applied lane ${lane} up to version ${version}, but the store does not list the lane (its registry was edited)`,
        eventsChecked,
      );
    }
    if (head.version < version) {
      return broken(
        lane,
        version,
        `the read model applied lane ${lane} up to version ${version}, but the lane ends at version ${head.version} (events were removed from its tail)`,
        eventsChecked,
      );
    }
  }
  return undefined;
}
