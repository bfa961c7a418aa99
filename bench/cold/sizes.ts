/**
 * `npx tsx bench/cold/sizes.ts [name…] [--detail]`: builds every wiring function as `bench:cold`
 * does (the stack's options, lib/constructs/bundling.ts) and prints what each cold start loads,
 * its lazy chunks, and the largest packages in it — the quick check while cutting bundles: no
 * DynamoDB, no cold starts.
 */
import * as path from 'node:path';
import { FUNCTIONS } from '#lib/wiring.ts';
import { BUNDLE_ROOT, buildBundle } from './build.ts';

const wanted = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));
const detail = process.argv.includes('--detail');
const GOAL = 150 * 1024;
const kb = (bytes: number) => (bytes / 1024).toFixed(1);
let max = 0;
for (const spec of FUNCTIONS) {
  if (wanted.length > 0 && !wanted.includes(spec.name)) continue;
  const built = await buildBundle(spec.name, spec.entry, { outRoot: path.join(BUNDLE_ROOT, 'sizes') });
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
}
console.log(`max ${max} (goal ≤ ${GOAL})`);
