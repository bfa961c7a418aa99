/**
 * One cold start, as bench:cold, profile.ts and floor.ts run it: a fresh `node` (no tsx loader,
 * `flags` before the script: `--cpu-prof …`) runs child.mjs, which imports the bundle, calls its
 * handler once with `event` and prints its timing on a `COLD ` line. Answers the timing and that
 * line's JSON (profile.ts keeps it beside its CPU profile).
 */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from './build.ts';

const execFileAsync = promisify(execFile);

export async function runColdStart<T>(
  bundle: string,
  event: string,
  env: NodeJS.ProcessEnv,
  flags: readonly string[] = [],
): Promise<{ timing: T; json: string }> {
  const child = path.join(PROJECT_ROOT, 'bench', 'cold', 'child.mjs');
  const { stdout } = await execFileAsync(process.execPath, [...flags, child, bundle, event], {
    env,
    maxBuffer: 16 * 1024 * 1024,
  });
  const line = stdout.split('\n').findLast((text) => text.startsWith('COLD '));
  if (line === undefined) throw new Error(`${bundle}: the child printed no timing\n${stdout}`);
  const json = line.slice('COLD '.length);
  return { timing: JSON.parse(json) as T, json };
}

/** The median: the middle value, or the mean of the two middle ones. */
export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};
