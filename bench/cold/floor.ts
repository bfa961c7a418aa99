/**
 * `npx tsx bench/cold/floor.ts [function…] [--runs 7] [--json FILE]`: how much of a function's cold
 * start its I/O alone costs. For each function, one traced cold start records the DynamoDB commands
 * its first call sends and which go out together (a wave: sent before any answer came back); its
 * floor is floor-handler.ts sending the same command kinds in the same waves with the baseline's
 * client and nothing else. Then, in the same rounds and interleaved, as bench:cold does (views
 * projected between cold starts): the baseline, each function and its floor. It prints each one's
 * cold init p50 (import + first call) and its ratio to the baseline: the floor's ratio is what a
 * function with that I/O would cost with no code of ours; the rest is ours. Requests to other
 * services (SQS, EventBridge) have no stand-in and are named, not counted.
 */
import { writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { FUNCTIONS } from '#lib/wiring.ts';
import { BUNDLE_ROOT, buildBundle } from './build.ts';
import { median, runColdStart } from './cold-start.ts';
import { BENCH_WALLET, firstEvent } from './events.ts';
import { wavesOf } from './waves.ts';
import { startColdWorld } from './world.ts';

const { values: args, positionals } = parseArgs({
  options: { runs: { type: 'string', default: '7' }, json: { type: 'string' } },
  allowPositionals: true,
});
const RUNS = Number(args.runs);
const log = (line: string) => process.stderr.write(`${line}\n`);
const DYNAMODB = 'DynamoDB_20120810.';

interface Cold {
  importMs: number;
  invokeMs: number;
  status: string;
  requests?: { target: string; at: number; ms: number }[];
}

const specs = FUNCTIONS.filter((spec) => positionals.length === 0 || positionals.includes(spec.name));
for (const spec of specs) firstEvent(spec);
const outRoot = path.join(BUNDLE_ROOT, 'floor');
const bundleOf = new Map<string, string>();
bundleOf.set('baseline', (await buildBundle('baseline', 'bench/cold/baseline.ts', { outRoot })).file);
bundleOf.set('floor', (await buildBundle('floor', 'bench/cold/floor-handler.ts', { outRoot })).file);
for (const spec of specs)
  bundleOf.set(spec.name, (await buildBundle(spec.name, spec.entry, { outRoot })).file);

const world = await startColdWorld(log);
const coldStart = async (bundle: string, event: string, trace = false): Promise<Cold> =>
  (await runColdStart<Cold>(bundle, event, { ...world.env, ...(trace ? { TALLY_COLD_TRACE: '1' } : {}) }))
    .timing;

try {
  const plans = new Map<string, { waves: string[][]; others: string[] }>();
  for (const spec of specs) {
    const traced = await coldStart(bundleOf.get(spec.name) ?? '', await world.firstEventOf(spec.name), true);
    await world.projectViews();
    const requests = traced.requests ?? [];
    const dynamo = requests.filter((request) => request.target.startsWith(DYNAMODB));
    plans.set(spec.name, {
      waves: wavesOf(
        dynamo.map((request) => ({ ...request, target: request.target.slice(DYNAMODB.length) })),
      ),
      others: requests.filter((request) => !request.target.startsWith(DYNAMODB)).map((r) => r.target),
    });
  }
  const pk = `WALLET#${BENCH_WALLET}`;
  const samples = new Map<string, number[]>();
  const add = (name: string, cold: Cold) =>
    samples.set(name, [...(samples.get(name) ?? []), cold.importMs + cold.invokeMs]);
  for (let run = 0; run < RUNS; run++) {
    log(`Run ${run + 1}/${RUNS} …`);
    add('baseline', await coldStart(bundleOf.get('baseline') ?? '', '{}'));
    for (const spec of specs) {
      add(spec.name, await coldStart(bundleOf.get(spec.name) ?? '', await world.firstEventOf(spec.name)));
      await world.projectViews();
      const floor = await coldStart(
        bundleOf.get('floor') ?? '',
        JSON.stringify({ waves: plans.get(spec.name)?.waves, pk }),
      );
      if (String(floor.status) !== '200') throw new Error(`${spec.name}'s floor: ${floor.status}`);
      add(`${spec.name}:floor`, floor);
    }
  }
  const p50 = (name: string) => Math.round(median(samples.get(name) ?? []) * 10) / 10;
  const baseline = p50('baseline');
  const rows = specs.map((spec) => {
    const plan = plans.get(spec.name) ?? { waves: [], others: [] };
    const [initMs, floorMs] = [p50(spec.name), p50(`${spec.name}:floor`)];
    return {
      name: spec.name,
      waves: plan.waves,
      others: plan.others,
      initMsP50: initMs,
      floorMsP50: floorMs,
      ratio: Math.round((initMs / baseline) * 100) / 100,
      floorRatio: Math.round((floorMs / baseline) * 100) / 100,
    };
  });
  console.log(`baseline ${baseline} ms (one GetItem), ${RUNS} runs`);
  console.log(
    'function             init  ratio  floor  ratio  ours   waves (DynamoDB commands sent together)',
  );
  for (const row of rows)
    console.log(
      `${row.name.padEnd(19)} ${String(row.initMsP50).padStart(6)} ${row.ratio.toFixed(2).padStart(6)} ${String(row.floorMsP50).padStart(6)} ${row.floorRatio.toFixed(2).padStart(6)} ${(row.ratio - row.floorRatio).toFixed(2).padStart(5)}   ${row.waves.map((wave) => wave.join('+')).join(' → ')}${row.others.length > 0 ? `  (also ${row.others.join(', ')})` : ''}`,
    );
  if (args.json !== undefined)
    await writeFile(
      args.json,
      `${JSON.stringify({ runs: RUNS, baselineInitMsP50: baseline, functions: rows }, null, 2)}\n`,
    );
} finally {
  await world.stop();
}
