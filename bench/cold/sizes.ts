/**
 * `npx tsx bench/cold/sizes.ts [name…] [--detail] [--vs NAME] [--why TEXT]`: builds every wiring
 * function as `bench:cold` does (the stack's options, lib/constructs/bundling.ts) and prints what
 * each cold start loads, its lazy chunks, and the largest packages in it — the quick check while
 * cutting bundles: no DynamoDB, no cold starts.
 * - `--detail`: per source file instead of per package.
 * - `--vs NAME`: per source file, the bytes each function loads beyond function NAME (a smaller
 *   sibling: what does `payments` carry that `deposit` does not?).
 * - `--why TEXT`: for every loaded source file whose path contains TEXT, the files importing it
 *   (an accidental import of a constant can carry a whole module, e.g. a compiler).
 */
import * as path from 'node:path';
import { FUNCTIONS } from '#lib/wiring.ts';
import { BUNDLE_ROOT, buildBundle } from './build.ts';

const args = process.argv.slice(2);
const optionValue = (flag: string): string | undefined => {
  const at = args.indexOf(flag);
  return at >= 0 ? args[at + 1] : undefined;
};
const vs = optionValue('--vs');
const why = optionValue('--why');
const wanted = args.filter(
  (arg, index) => !arg.startsWith('-') && !['--vs', '--why'].includes(args[index - 1] ?? ''),
);
const detail = process.argv.includes('--detail');
const outRoot = path.join(BUNDLE_ROOT, 'sizes');
const versus =
  vs === undefined
    ? undefined
    : await (async () => {
        const spec = FUNCTIONS.find((candidate) => candidate.name === vs);
        if (spec === undefined) throw new Error(`--vs: no wiring function ${vs}`);
        return (await buildBundle(vs, spec.entry, { outRoot: path.join(outRoot, 'vs') })).eagerInputs;
      })();
const GOAL = 150 * 1024;
const kb = (bytes: number) => (bytes / 1024).toFixed(1);
let max = 0;
for (const spec of FUNCTIONS) {
  if (wanted.length > 0 && !wanted.includes(spec.name)) continue;
  const built = await buildBundle(spec.name, spec.entry, { outRoot });
  max = Math.max(max, built.bytes);
  const groups = new Map<string, number>();
  for (const [file, bytes] of Object.entries(built.eagerInputs)) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
    const key = match?.[1] ?? (detail ? file : file.split('/').slice(0, 2).join('/'));
    groups.set(key, (groups.get(key) ?? 0) + bytes);
  }
  const top = [...groups].sort((a, b) => b[1] - a[1]).slice(0, detail ? 40 : 8);
  console.log(
    `${built.bytes <= GOAL ? 'ok  ' : 'OVER'} ${spec.name.padEnd(19)} ${kb(built.bytes).padStart(6)} KB ` +
      `(lazy ${kb(built.lazyBytes).padStart(5)})  ${top.map(([k, v]) => `${k}:${(v / 1024).toFixed(0)}`).join(' ')}`,
  );
  if (versus !== undefined) {
    const files = new Set([...Object.keys(built.eagerInputs), ...Object.keys(versus)]);
    const beyond = [...files]
      .map((file) => [file, (built.eagerInputs[file] ?? 0) - (versus[file] ?? 0)] as const)
      .filter(([, bytes]) => Math.abs(bytes) >= 100)
      .sort((a, b) => b[1] - a[1]);
    for (const [file, bytes] of beyond) console.log(`     ${String(bytes).padStart(7)}  ${file}`);
  }
  if (why !== undefined) {
    for (const file of Object.keys(built.eagerInputs).filter((input) => input.includes(why))) {
      console.log(
        `     ${file} (${built.eagerInputs[file]} B) <= ${(built.importedBy[file] ?? []).join(', ')}`,
      );
    }
  }
}
console.log(`max ${max} (goal ≤ ${GOAL})`);
