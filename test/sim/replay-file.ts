import { readFileSync } from 'node:fs';
import { type OpRecord, runEpisode } from './engine.ts';
import type { WorldOptions } from './world.ts';

/** An op list as a failure prints it: one JSON record a line, bigints as `123n`. */
export const readOps = (path: string): OpRecord[] =>
  readFileSync(path, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('{'))
    .map(
      (line) =>
        JSON.parse(line, (_key, value) =>
          typeof value === 'string' && /^-?\d+n$/.test(value) ? BigInt(value.slice(0, -1)) : value,
        ) as OpRecord,
    );

/** Replays an op list (readOps) in the episode of `seed`. */
export async function replayFile(seed: number, path: string, options: WorldOptions = {}): Promise<number> {
  const records = readOps(path);
  const result = await runEpisode(seed, { ...options, replay: records, stackTraces: true });
  console.log(`replayed ${records.length} op(s) in episode seed ${seed}`);
  if (result.violation === undefined) {
    console.log('violations: 0');
    return 0;
  }
  console.log(
    `violation: ${result.violation.invariant} after op ${result.violation.atOp}: ${result.violation.detail}`,
  );
  return 1;
}
