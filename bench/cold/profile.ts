/**
 * `npx tsx bench/cold/profile.ts [function…] [--runs 5] [--cpu-prof DIR]`: where a function's cold
 * start goes, against the bench's own world (`world.ts`) and bundles (`build.ts`). Per function and
 * the baseline: import and first-call medians in wall and CPU time (CPU time swings less on a
 * loaded machine), the HTTP requests the first call sends (target, start after import, duration),
 * and the Node built-ins it loads that the baseline does not. `--cpu-prof DIR` also writes one V8
 * CPU profile per cold start (open in Chrome DevTools or speedscope), with its timing next to it;
 * `--cpu-prof-interval US` samples every US microseconds (V8's default is 1,000: too coarse for a
 * first call of 30 ms); `bench/cold/cpu-summary.ts DIR name…` sums them by package, file or function.
 * `--unprojected` leaves the views unprojected between cold starts (bench/cold.ts says why it projects).
 * `--before GIT_REF` also profiles each function built from that commit (`<name>@before`), its cold
 * starts interleaved with these, so a change's CPU and requests compare under the same load.
 */
import { writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { FUNCTIONS } from '#lib/wiring.ts';
import { BUNDLE_ROOT, buildBundle, unpackCommit } from './build.ts';
import { median, runColdStart } from './cold-start.ts';
import { firstEvent } from './events.ts';
import { startColdWorld } from './world.ts';

const { values: args, positionals } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    'cpu-prof': { type: 'string' },
    'cpu-prof-interval': { type: 'string' },
    before: { type: 'string' },
    unprojected: { type: 'boolean', default: false },
  },
  allowPositionals: true,
});
const RUNS = Number(args.runs);
const log = (line: string) => process.stderr.write(`${line}\n`);

interface Timing {
  importMs: number;
  invokeMs: number;
  importCpuMs: number;
  invokeCpuMs: number;
  status: string;
  requests: { target: string; at: number; ms: number }[];
  builtins: string[];
}

const specs = FUNCTIONS.filter((spec) => positionals.length === 0 || positionals.includes(spec.name));
for (const spec of specs) firstEvent(spec); // A function with no first event fails here, before any build.
const targets: { name: string; entry: string; sourceRoot?: string }[] = [
  { name: 'baseline', entry: 'bench/cold/baseline.ts' },
].concat(specs.map((spec) => ({ name: spec.name, entry: spec.entry })));
if (args.before !== undefined) {
  const sourceRoot = path.join(BUNDLE_ROOT, 'profile-before-src');
  await unpackCommit(args.before, sourceRoot);
  for (const target of targets.filter((each) => each.name !== 'baseline'))
    targets.push({ ...target, name: `${target.name}@before`, sourceRoot });
}
const bundles = new Map<string, string>();
for (const target of targets) {
  const options = { outRoot: path.join(BUNDLE_ROOT, 'profile'), sourceRoot: target.sourceRoot };
  bundles.set(target.name, (await buildBundle(target.name, target.entry, options)).file);
}
const world = await startColdWorld(log);
try {
  const results = new Map<string, Timing[]>(targets.map((target) => [target.name, []]));
  for (let run = 0; run < RUNS; run++) {
    for (const target of targets) {
      const flags =
        args['cpu-prof'] === undefined
          ? []
          : [
              '--cpu-prof',
              '--cpu-prof-dir',
              args['cpu-prof'],
              '--cpu-prof-name',
              `${target.name}-${run}.cpuprofile`,
              ...(args['cpu-prof-interval'] === undefined
                ? []
                : ['--cpu-prof-interval', args['cpu-prof-interval']]),
            ];
      const { timing, json } = await runColdStart<Timing>(
        bundles.get(target.name) ?? '',
        await world.firstEventOf(target.name),
        { ...world.env, TALLY_COLD_TRACE: '1' },
        flags,
      );
      results.get(target.name)?.push(timing);
      // As bench:cold does: the views as a deployment's projector leaves them (`--unprojected`: not).
      if (!args.unprojected) await world.projectViews();
      // Next to each profile, its timing: `importedUs` splits the profile into import and first call.
      if (args['cpu-prof'] !== undefined)
        await writeFile(path.join(args['cpu-prof'], `${target.name}-${run}.json`), json);
    }
  }
  const baseBuiltins = new Set(results.get('baseline')?.[0]?.builtins ?? []);
  for (const [name, timings] of results) {
    const last = timings.at(-1);
    if (last === undefined) continue;
    const m = (pick: (t: Timing) => number) => median(timings.map(pick)).toFixed(0).padStart(4);
    console.log(
      `${name.padEnd(19)} import ${m((t) => t.importMs)} (cpu ${m((t) => t.importCpuMs)})  first call ${m((t) => t.invokeMs)} (cpu ${m((t) => t.invokeCpuMs)})  ${last.status}`,
    );
    for (const request of last.requests) {
      console.log(
        `    +${request.at.toFixed(0).padStart(4)} ms ${request.ms.toFixed(0).padStart(4)} ms  ${request.target}`,
      );
    }
    const extra = last.builtins.filter((builtin) => !baseBuiltins.has(builtin));
    if (name !== 'baseline' && extra.length > 0)
      console.log(`    built-ins beyond the baseline: ${extra.join(' ')}`);
  }
} finally {
  await world.stop();
}
