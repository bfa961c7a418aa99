/**
 * `npx tsx bench/cold/cpu-summary.ts DIR name… [--phase import|gap|call] [--by package|file|function|ours] [--top 25]`:
 * where the CPU of the cold starts that `profile.ts --cpu-prof DIR` recorded went, per run, summed
 * by who spent it (self time, idle left out). Bundle frames are mapped through the bundle's source
 * maps (`node:module`'s SourceMap), so zod, Powertools or `functions/app/…` show by name instead of
 * as `index.mjs`. The phases split each profile by its timing file (`<name>-<run>.json`):
 * `import` is the process up to the handler's module being loaded (Node's start included), `call`
 * the first invocation, `gap` the part of it before its first request is sent (what runs between
 * the import and the table), `between:K` what it does between request K's answer and request K+1.
 * `--by ours` charges each sample to the innermost function of ours (`functions/…`) on its stack,
 * so the SDK's or zod's work shows under the call of ours that asked for it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: args, positionals } = parseArgs({
  options: {
    phase: { type: 'string', default: 'gap' },
    by: { type: 'string', default: 'package' },
    top: { type: 'string', default: '25' },
  },
  allowPositionals: true,
});
const [dir, ...names] = positionals;
if (dir === undefined || names.length === 0) throw new Error('usage: cpu-summary.ts DIR name… [--phase …]');

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface Profile {
  nodes: { id: number; callFrame: CallFrame; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
}
interface Timing {
  importedUs: number;
  requests: { at: number; ms: number }[];
}

const maps = new Map<string, SourceMap | null>();
function mapOf(url: string): SourceMap | null {
  let map = maps.get(url);
  if (map === undefined) {
    try {
      map = new SourceMap(JSON.parse(readFileSync(`${fileURLToPath(url)}.map`, 'utf8')));
    } catch {
      map = null;
    }
    maps.set(url, map);
  }
  return map;
}

/** The frame's source (through the bundle's map when it has one) and function. */
function where(frame: CallFrame): { source: string; fn: string } {
  const map = frame.url.startsWith('file:') && frame.url.endsWith('.mjs') ? mapOf(frame.url) : null;
  const entry = map?.findEntry(frame.lineNumber, frame.columnNumber);
  const source =
    entry !== undefined && 'originalSource' in entry
      ? entry.originalSource.replace(/^(\.\.\/)+/, '')
      : frame.url || frame.functionName;
  const fn = (entry !== undefined && 'name' in entry ? (entry.name as string | undefined) : undefined) ?? '';
  return { source: source.replace(/.*node_modules\//, ''), fn: fn || frame.functionName || '(anonymous)' };
}

const keyOf = ({ source, fn }: { source: string; fn: string }): string => {
  if (args.by === 'function') return `${fn}  ${source}`;
  if (args.by === 'file' || source.startsWith('functions/') || source.startsWith('node:')) return source;
  const parts = source.split('/');
  return parts.slice(0, source.startsWith('@') ? 2 : 1).join('/');
};

/**
 * The part of a cold start a phase names, in the profile's µs. `between:K` is the CPU from the end
 * of request K's response to the start of request K+1 (counted from 0): what the function does
 * with one answer before it asks again.
 */
function window(phase: string, timing: Timing, firstRequestUs: number): [number, number] {
  if (phase === 'import') return [0, timing.importedUs];
  if (phase === 'gap') return [timing.importedUs, firstRequestUs];
  if (phase === 'call') return [timing.importedUs, Number.POSITIVE_INFINITY];
  const between = /^between:(\d+)$/.exec(phase);
  const [answered, next] = [timing.requests[Number(between?.[1])], timing.requests[Number(between?.[1]) + 1]];
  if (between === null) throw new Error(`unknown phase ${phase}: import, gap, call or between:K`);
  if (answered === undefined || next === undefined) return [0, 0];
  const at = (ms: number) => timing.importedUs + ms * 1000;
  return [at(answered.at + answered.ms), at(next.at)];
}

for (const name of names) {
  const runs = readdirSync(dir).filter((file) => new RegExp(`^${name}-\\d+\\.cpuprofile$`).test(file));
  const spent = new Map<string, number>();
  let total = 0;
  for (const file of runs) {
    const profile = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as Profile;
    const timing = JSON.parse(
      readFileSync(path.join(dir, file.replace('.cpuprofile', '.json')), 'utf8'),
    ) as Timing;
    const firstRequestUs = timing.importedUs + (timing.requests[0]?.at ?? Number.POSITIVE_INFINITY) * 1000;
    const [from, to] = window(args.phase, timing, firstRequestUs);
    const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
    const parents = new Map<number, number>();
    for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
    /** `--by ours`: the innermost frame of ours on the sample's stack, or where the sample is. */
    const oursOf = (id: number): string => {
      for (let at: number | undefined = id; at !== undefined; at = parents.get(at)) {
        const frame = frames.get(at);
        const place = frame === undefined ? undefined : where(frame);
        if (place?.source.startsWith('functions/')) return `${place.fn}  ${place.source}`;
      }
      const frame = frames.get(id);
      return `(not under ours)  ${frame === undefined ? '' : keyOf({ ...where(frame), fn: '' })}`;
    };
    const keys = new Map<number, string>();
    let at = profile.startTime;
    profile.samples.forEach((id, index) => {
      at += profile.timeDeltas[index] ?? 0;
      // A sample stands for the time until the next one.
      const us = profile.timeDeltas[index + 1] ?? 0;
      const frame = frames.get(id);
      if (at < from || at >= to || frame === undefined || frame.functionName === '(idle)') return;
      let key = keys.get(id);
      if (key === undefined) {
        key = args.by === 'ours' ? oursOf(id) : keyOf(where(frame));
        keys.set(id, key);
      }
      spent.set(key, (spent.get(key) ?? 0) + us);
      total += us;
    });
  }
  const perRun = (us: number) => (us / runs.length / 1000).toFixed(2).padStart(7);
  console.log(`${name}, ${args.phase}: ${perRun(total)} ms CPU per run (${runs.length} runs)`);
  for (const [key, us] of [...spent].sort((a, b) => b[1] - a[1]).slice(0, Number(args.top)))
    console.log(`${perRun(us)}  ${key}`);
}
