import { DEFAULT_RATES, NO_FAULTS } from './faults.ts';
import { invariants, type WalletFacts } from './invariants.ts';
import { opNamed, ops } from './ops.ts';
// Trading registers its ops and invariants after the ones above (the order fixes a seed's ops).
import './ops-trading.ts';
import './invariants-trading.ts';
// Card accounts after trading, for the same reason.
import './ops-cards.ts';
import './ops-cards-sweep.ts';
import { isCardAccount } from './model-cards.ts';
import { drain } from './ops-bus.ts';
import { mixSeed, Rng } from './rng.ts';
import { KNOWN_ISSUES, type Violation, World, type WorldOptions } from './world.ts';

/** One op as run: plain data, so a run is replayed (and shrunk) from its list alone. */
export interface OpRecord {
  /** Its index in the episode as generated: ids and fault seeds follow it, not its position. */
  n: number;
  name: string;
  /** Arms the faults while it runs: the same faults whichever other ops are left out. */
  seed: number;
  /** How far the clock moves before it runs. */
  dtMs: number;
  params: unknown;
}

export interface EpisodeResult {
  seed: number;
  records: OpRecord[];
  /** The first violation, and the op after which it was seen (records.length for the final checks). */
  violation?: Violation & { atOp: number };
  faults: Map<string, number>;
  known: Map<string, { count: number; example: string }>;
  /** What the episode's logs held at its end: events, in lanes > 0, corrections, flagged wallets. */
  stats: Map<string, number>;
}

export interface EpisodeOptions extends WorldOptions {
  /** Generate this many ops… */
  ops?: number;
  /** …or replay these. */
  replay?: readonly OpRecord[];
  /** No faults at all (the baseline). */
  quiet?: boolean;
  /** Keep stack traces while ops run (slower; the shrunk replay of an unexpected error uses it). */
  stackTraces?: boolean;
}

/** Trading events an episode's logs end with (a run that never traded tested less). */
const TRADED = new Set(['TransferredOut', 'HoldPlaced', 'HoldCaptured', 'HoldReleased']);

async function walletFacts(world: World, walletIds: Iterable<string>): Promise<WalletFacts[]> {
  const facts: WalletFacts[] = [];
  for (const walletId of walletIds) {
    const log = world.log(walletId);
    facts.push({ walletId, log, fold: world.fold(walletId, log) });
  }
  return facts;
}

/** Runs the invariants of one kind; answers the first violation. */
async function check(world: World, when: 'step' | 'quiescent'): Promise<Violation | undefined> {
  world.faults.disarm();
  world.freshReads();
  // Card accounts have checks of their own (invariants-cards.ts): the wallet model knows no credit line.
  const walletIds = when === 'step' ? [...world.touched].filter((id) => !isCardAccount(id)) : world.walletIds;
  const wallets = await walletFacts(world, walletIds);
  for (const invariant of invariants) {
    if (invariant.when !== when && !(when === 'quiescent' && invariant.when === 'step')) continue;
    // A known issue's findings are counted (world.violation), not failed on, unless strict.
    const known = KNOWN_ISSUES[invariant.name] !== undefined && !world.strict;
    for (const wallet of invariant.check ? wallets : []) {
      const [problem] = (await invariant.check?.(world, wallet)) ?? [];
      if (problem !== undefined && known) world.violation(invariant.name, problem);
      else if (problem !== undefined) return { invariant: invariant.name, detail: problem };
    }
    if (invariant.checkAll && when === 'quiescent') {
      const [problem] = await invariant.checkAll(world, wallets);
      if (problem !== undefined) return { invariant: invariant.name, detail: problem };
    }
  }
  return undefined;
}

/**
 * One episode: a fresh system (its wallets from the seed), `ops` ops generated (or `replay`ed) and
 * applied one after another with their faults, the step invariants after each, the channels drained
 * and every invariant checked at the end. Stops at the first violation.
 */
export async function runEpisode(seed: number, options: EpisodeOptions): Promise<EpisodeResult> {
  const world = await World.create(seed, options);
  return onWorldClock(world, () => play(world, seed, options));
}

/**
 * Runs `episode` with performance.now() reading the world's clock. Group commit's carried state
 * (app/group-commit-carry.ts) is checked again when older than CARRY_MS by performance.now(), and a
 * lost race is remembered for RACED_MS: on the machine's clock, a seed with group commit took
 * another trajectory when the machine was slow or loaded. Seed 1 of sim-cards.test.ts answered
 * 'card swept shared entries' once in a run alone, and not at all beside two busy loops (its test
 * failed, stop 21) or with performance.now() running 1,000 times fast. On the world's clock a
 * seed is one trajectory on any machine.
 */
async function onWorldClock<T>(world: World, episode: () => Promise<T>): Promise<T> {
  const own = Object.getOwnPropertyDescriptor(performance, 'now');
  Object.defineProperty(performance, 'now', { value: () => world.nowMs, configurable: true, writable: true });
  try {
    return await episode();
  } finally {
    if (own === undefined) Reflect.deleteProperty(performance, 'now');
    else Object.defineProperty(performance, 'now', own);
  }
}

async function play(world: World, seed: number, options: EpisodeOptions): Promise<EpisodeResult> {
  const generator = new Rng(mixSeed(seed, 0x9e4));
  const records: OpRecord[] = [];
  const total = options.replay?.length ?? options.ops ?? 0;
  const generated = ops.filter((spec) => spec.weight > 0);
  const stats = new Map<string, number>();
  const rates = options.quiet
    ? NO_FAULTS
    : { ...DEFAULT_RATES, ...(options.holdRate === undefined ? {} : { holdAnswer: options.holdRate }) };
  const done = (violation: Violation | undefined, atOp: number): EpisodeResult => ({
    stats,
    seed,
    records,
    ...(violation === undefined ? {} : { violation: { ...violation, atOp } }),
    faults: world.faults.counts,
    known: world.known,
  });
  for (let index = 0; index < total; index++) {
    let record: OpRecord;
    if (options.replay !== undefined) record = options.replay[index] as OpRecord;
    else {
      world.opIndex = index;
      const spec = generator.weighted(generated, (candidate) => candidate.weight);
      record = {
        n: index,
        name: spec.name,
        seed: generator.u32(),
        dtMs: generator.int(0, 3_000),
        params: spec.generate(generator, world),
      };
    }
    records.push(record);
    world.opIndex = record.n;
    world.newStep();
    world.nowMs += record.dtMs;
    const opRng = new Rng(record.seed);
    // Held answers roll on a stream of their own (the op's seed mixed): the other faults' rolls
    // are as they were without them.
    world.faults.arm(opRng.fork(), rates, new Rng(mixSeed(record.seed, 0x401d)));
    // Injected faults are thrown by the thousand; their stack traces cost more than the op itself.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = options.stackTraces ? stackTraceLimit : 0;
    try {
      await opNamed(record.name).apply(world, record.params, opRng);
    } catch (error) {
      world.violation(
        'no-unexpected-error',
        `${record.name} threw ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
    }
    Error.stackTraceLimit = stackTraceLimit;
    world.faults.disarm();
    if (record.name === 'drain') await drain(world);
    const violation =
      world.violations[0] ?? (await check(world, record.name === 'drain' ? 'quiescent' : 'step'));
    if (violation !== undefined) return done(violation, index);
  }
  // The final drain's ids follow every op's (a replayed list keeps its ops' original numbers).
  world.opIndex = Math.max(total, ...records.map((record) => record.n + 1));
  await drain(world);
  const violation = world.violations[0] ?? (await check(world, 'quiescent'));
  // What the episode reached (lanes, corrections, flags): a run that never got there tested less.
  const count = (kind: string) => stats.set(kind, (stats.get(kind) ?? 0) + 1);
  for (const walletId of world.walletIds) {
    for (const event of world.log(walletId)) {
      count('events');
      if (event.lane > 0) count('in lanes > 0');
      if (event.type === 'EventCorrected') count('corrections');
      if (event.type === 'PointsAdjusted') count('points adjustments');
      if (TRADED.has(event.type)) count(event.type);
    }
    if (
      world.log(walletId).length > 0 &&
      world.fold(walletId, world.log(walletId)).threshold.breach !== null
    ) {
      count('wallets flagged');
    }
  }
  for (const [kind, times] of world.answers) stats.set(`answered ${kind}`, times);
  for (const [call, times] of world.faults.calls) stats.set(`${call} calls`, times);
  return done(violation, records.length);
}

/**
 * Delta debugging (ddmin) over an episode's op list: the smallest list found (1-minimal when the
 * budget allows) that still breaks the same invariant, with the same seed for the world and every
 * op's own seed for its faults.
 */
export async function shrink(
  seed: number,
  records: readonly OpRecord[],
  invariant: string,
  options: WorldOptions & { budgetMs?: number; now?: () => number } = {},
): Promise<OpRecord[]> {
  const fails = async (candidate: readonly OpRecord[]) =>
    (await runEpisode(seed, { ...options, replay: candidate })).violation?.invariant === invariant;
  const now = options.now ?? (() => performance.now());
  const deadline = now() + (options.budgetMs ?? 60_000);
  let current = [...records];
  let granularity = 2;
  while (current.length >= 2 && now() < deadline) {
    const size = Math.ceil(current.length / granularity);
    let reduced = false;
    for (let start = 0; start < current.length && now() < deadline; start += size) {
      const complement = [...current.slice(0, start), ...current.slice(start + size)];
      if (complement.length > 0 && (await fails(complement))) {
        current = complement;
        granularity = Math.max(granularity - 1, 2);
        reduced = true;
        break;
      }
    }
    if (!reduced) {
      if (granularity >= current.length) break;
      granularity = Math.min(granularity * 2, current.length);
    }
  }
  return current;
}

export interface SimulationOptions extends WorldOptions {
  seed: number;
  ops: number;
  /** Ops per episode (a fresh system each): short logs keep the per-step checks cheap. */
  episodeOps?: number;
  shrinkBudgetMs?: number;
  /** Run only episodes `episode % count === index`: shards of one run, for several processes. */
  shard?: { index: number; count: number };
  onEpisode?: (episode: number, result: EpisodeResult) => void;
}

export interface SimulationResult {
  seed: number;
  opsRun: number;
  episodes: number;
  faults: Map<string, number>;
  opsByName: Map<string, number>;
  known: Map<string, { count: number; example: string }>;
  stats: Map<string, number>;
  failure?: {
    episode: number;
    episodeSeed: number;
    violation: Violation & { atOp: number };
    /** The shortest op list found that still fails (run it with the episode seed). */
    shrunk: OpRecord[];
  };
}

export const DEFAULT_EPISODE_OPS = 200;

/** Runs `ops` ops from `seed`, episode after episode; the first violation is shrunk and reported. */
export async function simulate(options: SimulationOptions): Promise<SimulationResult> {
  const episodeOps = options.episodeOps ?? DEFAULT_EPISODE_OPS;
  const faults = new Map<string, number>();
  const opsByName = new Map<string, number>();
  const known = new Map<string, { count: number; example: string }>();
  const stats = new Map<string, number>();
  let opsRun = 0;
  let episode = 0;
  const shard = options.shard ?? { index: 0, count: 1 };
  let episodesRun = 0;
  for (; episode * episodeOps < options.ops; episode++) {
    if (episode % shard.count !== shard.index) continue;
    episodesRun++;
    const episodeSeed = mixSeed(options.seed, episode);
    const count = Math.min(episodeOps, options.ops - episode * episodeOps);
    const result = await runEpisode(episodeSeed, { ...options, ops: count });
    opsRun += result.records.length;
    for (const [kind, times] of result.faults) faults.set(kind, (faults.get(kind) ?? 0) + times);
    for (const [kind, times] of result.stats) stats.set(kind, (stats.get(kind) ?? 0) + times);
    for (const [name, { count, example }] of result.known) {
      known.set(name, {
        count: (known.get(name)?.count ?? 0) + count,
        example: known.get(name)?.example ?? example,
      });
    }
    for (const record of result.records) opsByName.set(record.name, (opsByName.get(record.name) ?? 0) + 1);
    options.onEpisode?.(episode, result);
    if (result.violation !== undefined) {
      const shrunk = await shrink(episodeSeed, result.records, result.violation.invariant, {
        ...options,
        ...(options.shrinkBudgetMs === undefined ? {} : { budgetMs: options.shrinkBudgetMs }),
      });
      let violation = result.violation;
      if (violation.invariant === 'no-unexpected-error') {
        // Run ops without stack traces, for speed: the shrunk sequence runs again with them.
        const again = await runEpisode(episodeSeed, { ...options, replay: shrunk, stackTraces: true });
        violation = again.violation ?? violation;
      }
      return {
        seed: options.seed,
        opsRun,
        episodes: episodesRun,
        faults,
        opsByName,
        known,
        stats,
        failure: { episode, episodeSeed, violation, shrunk },
      };
    }
  }
  return { seed: options.seed, opsRun, episodes: episodesRun, faults, opsByName, known, stats };
}
