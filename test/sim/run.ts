/**
 * `npm run sim -- [--seed N] [--ops M] [--episode-ops K] [--group-commit] [--hold-rate P]`: the
 * deterministic fault simulation (`--hold-rate`: how often a store answer is held back past a
 * later one, faults-hold.ts; 0 turns that off).
 * Prints the seed first, then the ops run, the faults injected by kind and the violations; on a
 * violation, the seed and the shortest op sequence that reproduces it, and exits 1.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_EPISODE_OPS, simulate } from './engine.ts';
import { PLANTED } from './planted.ts';
import { formatResult } from './report.ts';

/** `--shard i/n`: this process runs episodes i, i + n, i + 2n, … of the run (same seed, same ops). */
function parseShard(text: string): { index: number; count: number } {
  const [index, count] = text.split('/').map(Number);
  if (
    !Number.isInteger(index) ||
    !Number.isInteger(count) ||
    (count ?? 0) < 1 ||
    (index ?? -1) < 0 ||
    (index ?? 0) >= (count ?? 0)
  ) {
    throw new Error('--shard i/n with 0 <= i < n');
  }
  return { index: index as number, count: count as number };
}

function plantedBug(name: string) {
  const bug = PLANTED[name];
  if (bug === undefined) throw new Error(`--plant: one of ${Object.keys(PLANTED).join(', ')}`);
  console.log(`planted bug: ${name}`);
  return bug;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string' },
      ops: { type: 'string', default: '10000' },
      'episode-ops': { type: 'string', default: String(DEFAULT_EPISODE_OPS) },
      'episode-seed': { type: 'string' },
      replay: { type: 'string' },
      plant: { type: 'string' },
      strict: { type: 'boolean', default: false },
      shard: { type: 'string' },
      'group-commit': { type: 'boolean', default: false },
      'hold-rate': { type: 'string' },
    },
  });
  // A fresh seed when none is given: the only entropy the sim takes, printed first so any run can be repeated.
  const seed =
    values.seed === undefined ? (crypto.getRandomValues(new Uint32Array(1))[0] ?? 0) : Number(values.seed);
  console.log(`seed: ${seed}`);
  const holdRate = values['hold-rate'] === undefined ? {} : { holdRate: Number(values['hold-rate']) };
  if (values.replay !== undefined) {
    const { replayFile } = await import('./replay-file.ts');
    process.exitCode = await replayFile(Number(values['episode-seed'] ?? seed), values.replay, {
      strict: values.strict ?? false,
      groupCommit: values['group-commit'] ?? false,
      ...holdRate,
      ...(values.plant === undefined ? {} : { bugs: plantedBug(values.plant) }),
    });
    return;
  }
  const started = performance.now();
  let done = 0;
  const result = await simulate({
    seed,
    ops: Number(values.ops),
    episodeOps: Number(values['episode-ops']),
    strict: values.strict ?? false,
    groupCommit: values['group-commit'] ?? false,
    ...holdRate,
    ...(values.shard === undefined ? {} : { shard: parseShard(values.shard) }),
    // A line on stderr every 50,000 ops, so a long run shows it is moving.
    onEpisode: (_episode, episode) => {
      done += episode.records.length;
      if (Math.floor(done / 50_000) > Math.floor((done - episode.records.length) / 50_000)) {
        console.error(`… ${done} ops, ${((performance.now() - started) / 1000).toFixed(0)} s`);
      }
    },
    ...(values.plant === undefined ? {} : { bugs: plantedBug(values.plant) }),
  });
  console.log(formatResult(result, performance.now() - started));
  if (result.failure !== undefined) process.exitCode = 1;
}

await main();
