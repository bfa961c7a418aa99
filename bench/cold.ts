/**
 * `npm run bench:cold`: per wiring function, the bundle the stack deploys (size) and its cold init
 * time in a fresh node process (import + first invocation against DynamoDB Local), next to a
 * baseline measured in the same run: a handler that only builds a document client and does one
 * GetItem. Runs are interleaved across functions so machine load drifts hit all of them alike.
 *
 *   npm run bench:cold -- [--runs 7] [--json FILE] [--bundle-sdk] [--before GIT_REF] [--unprojected]
 *
 * Between cold starts the world brings every wallet's view up to its log, as the deployed stack's
 * stream projector does within about 100 ms of a write (cold/world.ts `projectViews`), and every
 * first call carries ids of its own (cold/events.ts): each function's first call meets the table a
 * deployment has and is a first delivery. What a first call reads or acts on exists and is valid
 * (cold/seed.ts makes it through the app's routes: a payment, an order, a card account, jobs, a
 * signed webhook, a deposit to correct), so each takes its function's working path, as a
 * deployment's does, not a refusal (before stop 22, eight were a 404, 401, 400 or a job not
 * found). `--unprojected` leaves the views as the cold starts left
 * them (before stop 21 the bench always did: a read then caught the bench wallet's whole log up).
 * `--bundle-sdk` bundles the AWS SDK into every function (the bundling before it was made
 * external), to measure what the externals buy on the same machine.
 * `--before GIT_REF` also builds every function from that commit (`git archive`, unpacked under
 * node_modules/.cache so it resolves the same packages) and measures those bundles in the same
 * run, interleaved with the others: before and after side by side. The baseline is built from
 * that commit too (`baseline@before`, its own bundling options): a bundling change moves the
 * baseline as well, and each column's ratio is taken against its own baseline.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { FUNCTIONS } from '#lib/wiring.ts';
import { BUNDLE_ROOT, type BuiltBundle, buildBundle, unpackCommit } from './cold/build.ts';
import { median, runColdStart } from './cold/cold-start.ts';
import { firstEvent } from './cold/events.ts';
import { startColdWorld } from './cold/world.ts';
import { printTable } from './support.ts';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '7' },
    json: { type: 'string' },
    'bundle-sdk': { type: 'boolean', default: false },
    before: { type: 'string' },
    unprojected: { type: 'boolean', default: false },
  },
});
const RUNS = Number(args.runs);
if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error('--runs must be a whole number ≥ 1');
const BUNDLE_SDK = args['bundle-sdk'] === true;
const BASELINE = 'baseline';
export const GOAL = { maxBundleBytes: 150 * 1024, maxInitRatio: 1.3 } as const;

const log = (line: string) => process.stderr.write(`${line}\n`);

interface Target {
  name: string;
  bundle: BuiltBundle;
  /** Environment the stack of that commit adds (a `--before` commit's own NODE_OPTIONS). */
  extraEnv?: NodeJS.ProcessEnv;
}

/** One cold start: a fresh `node` (no tsx loader) imports the bundle and calls its handler once. */
async function coldStart(target: Target, event: string, env: NodeJS.ProcessEnv) {
  return (
    await runColdStart<{ importMs: number; invokeMs: number; status: string | number }>(
      target.bundle.file,
      event,
      env,
    )
  ).timing;
}

log(
  `Building ${FUNCTIONS.length} function bundles and the baseline (${BUNDLE_SDK ? 'SDK bundled' : 'SDK external'}) …`,
);
const targets: Target[] = [];
for (const spec of FUNCTIONS) {
  firstEvent(spec); // A function with no first event fails the bench here, before any build.
  targets.push({
    name: spec.name,
    bundle: await buildBundle(spec.name, spec.entry, { bundleSdk: BUNDLE_SDK }),
  });
}
/** `--before`: the same functions built from another commit, named `<function>@before`. */
const BEFORE_SUFFIX = '@before';
if (args.before !== undefined) {
  const sourceRoot = path.join(BUNDLE_ROOT, 'before-src');
  await unpackCommit(args.before, sourceRoot);
  log(`… and the same functions from ${args.before}`);
  // That commit's functions run with the NODE_OPTIONS its stack set (before 2026-12-06 it had
  // --enable-source-maps, which costs those bundles their maps' parse at each cold start).
  const constructText = await readFile(
    path.join(sourceRoot, 'lib', 'constructs', 'tally-function.ts'),
    'utf8',
  );
  const nodeOptions = /NODE_OPTIONS:\s*'([^']*)'/.exec(constructText)?.[1];
  const extraEnv = nodeOptions === undefined ? undefined : { NODE_OPTIONS: nodeOptions };
  if (nodeOptions !== undefined) log(`… run with that stack's NODE_OPTIONS=${nodeOptions}`);
  for (const spec of FUNCTIONS) {
    if (!existsSync(path.join(sourceRoot, spec.entry))) continue;
    const bundle = await buildBundle(spec.name, spec.entry, { bundleSdk: BUNDLE_SDK, sourceRoot });
    targets.push({
      name: `${spec.name}${BEFORE_SUFFIX}`,
      bundle,
      ...(extraEnv === undefined ? {} : { extraEnv }),
    });
  }
  targets.push({
    name: `${BASELINE}${BEFORE_SUFFIX}`,
    bundle: await buildBundle(BASELINE, 'bench/cold/baseline.ts', { bundleSdk: BUNDLE_SDK, sourceRoot }),
    ...(extraEnv === undefined ? {} : { extraEnv }),
  });
}
targets.push({
  name: BASELINE,
  bundle: await buildBundle(BASELINE, 'bench/cold/baseline.ts', { bundleSdk: BUNDLE_SDK }),
});

/**
 * One round's cold starts. Every function runs once (with `--before`, beside its `@before`, which
 * of the two first alternating by round), the pairs' places rotated from round to round, and the baseline (each column's) runs once
 * per `BASELINE_EVERY` functions, spread through the round. A ratio divides by the baseline's
 * median, so the baseline gets several samples a round: with one a round, the two columns of one
 * `--before` run had baselines up to 25% apart (stop 23). A load that drifts within a round reaches
 * the baseline as it reaches the functions around it.
 */
const BASELINE_EVERY = 7;
function roundOrder(all: readonly Target[], run: number): Target[] {
  const isBaseline = (target: Target) => target.name.replace(BEFORE_SUFFIX, '') === BASELINE;
  const baselines = all.filter(isBaseline);
  const groups = all
    .filter((target) => !isBaseline(target) && !target.name.endsWith(BEFORE_SUFFIX))
    .map((target) => [target, ...all.filter((other) => other.name === `${target.name}${BEFORE_SUFFIX}`)])
    .map((pair) => (run % 2 === 0 ? pair : pair.reverse()));
  // Shifted by one more than the baseline's spacing: each round, a function sits at another
  // distance from the baseline before it.
  const shift = groups.length === 0 ? 0 : (run * (BASELINE_EVERY + 1)) % groups.length;
  const rotated = [...groups.slice(shift), ...groups.slice(0, shift)];
  const order: Target[] = [];
  for (let next = 0; next < rotated.length; next += BASELINE_EVERY)
    order.push(...baselines, ...rotated.slice(next, next + BASELINE_EVERY).flat());
  return order.length === 0 ? baselines : order;
}

const world = await startColdWorld(log);
const env = world.env;
try {
  const samples = new Map<string, number[]>(targets.map((target) => [target.name, []]));
  const importSamples = new Map<string, number[]>(targets.map((target) => [target.name, []]));
  const statuses = new Map<string, string>();
  for (let run = 0; run < RUNS; run++) {
    log(`Run ${run + 1}/${RUNS} …`);
    for (const target of roundOrder(targets, run)) {
      const result = await coldStart(target, await world.firstEventOf(target.name), {
        ...env,
        ...target.extraEnv,
      });
      samples.get(target.name)?.push(result.importMs + result.invokeMs);
      importSamples.get(target.name)?.push(result.importMs);
      statuses.set(target.name, String(result.status));
      if (!args.unprojected) await world.projectViews();
    }
  }
  log(`The stand-in EventBridge took ${world.publishedEntries()} published event(s).`);

  const initMsP50: Record<string, number> = {};
  const bundles: Record<string, number> = {};
  const lazyBundles: Record<string, number> = {};
  const beforeInitMsP50: Record<string, number> = {};
  const beforeBundles: Record<string, number> = {};
  for (const target of targets) {
    if (target.name === BASELINE || target.name === `${BASELINE}${BEFORE_SUFFIX}`) continue;
    if (target.name.endsWith(BEFORE_SUFFIX)) {
      const name = target.name.slice(0, -BEFORE_SUFFIX.length);
      beforeBundles[name] = target.bundle.bytes;
      beforeInitMsP50[name] = Math.round(median(samples.get(target.name) ?? []) * 10) / 10;
      continue;
    }
    bundles[target.name] = target.bundle.bytes;
    lazyBundles[target.name] = target.bundle.lazyBytes;
    initMsP50[target.name] = Math.round(median(samples.get(target.name) ?? []) * 10) / 10;
  }
  const baselineInitMsP50 = Math.round(median(samples.get(BASELINE) ?? []) * 10) / 10;
  const beforeBaselineSamples = samples.get(`${BASELINE}${BEFORE_SUFFIX}`);
  const beforeBaselineInitMsP50 =
    beforeBaselineSamples === undefined
      ? baselineInitMsP50
      : Math.round(median(beforeBaselineSamples) * 10) / 10;
  const maxBundleBytes = Math.max(...Object.values(bundles));
  const maxInitRatio = Math.round((Math.max(...Object.values(initMsP50)) / baselineInitMsP50) * 100) / 100;
  const baselineBytes = targets.find((target) => target.name === BASELINE)?.bundle.bytes ?? 0;

  printTable(
    [
      'function',
      'bundle KB',
      'lazy KB',
      'init ms p50',
      'of which import',
      '÷ baseline',
      'first call',
      'goal',
    ],
    [
      ...targets.map((target) => {
        const before = target.name.endsWith(BEFORE_SUFFIX)
          ? target.name.slice(0, -BEFORE_SUFFIX.length)
          : undefined;
        const ms =
          target.name === BASELINE
            ? baselineInitMsP50
            : before === BASELINE
              ? beforeBaselineInitMsP50
              : before !== undefined
                ? (beforeInitMsP50[before] ?? 0)
                : (initMsP50[target.name] ?? 0);
        const ratio = ms / (before === undefined ? baselineInitMsP50 : beforeBaselineInitMsP50);
        const meets = target.bundle.bytes <= GOAL.maxBundleBytes && ratio <= GOAL.maxInitRatio;
        return [
          target.name,
          (target.bundle.bytes / 1024).toFixed(1),
          (target.bundle.lazyBytes / 1024).toFixed(1),
          ms.toFixed(1),
          median(importSamples.get(target.name) ?? []).toFixed(1),
          ratio.toFixed(2),
          statuses.get(target.name) ?? '',
          target.name === BASELINE || target.name.endsWith(BEFORE_SUFFIX) ? '' : meets ? 'met' : 'MISSED',
        ];
      }),
    ],
  );
  process.stdout.write(
    `\nmaxBundleBytes ${maxBundleBytes} (goal ≤ ${GOAL.maxBundleBytes}), maxInitRatio ${maxInitRatio} ` +
      `(goal ≤ ${GOAL.maxInitRatio}), ${RUNS} runs each, SDK ${BUNDLE_SDK ? 'bundled' : 'external'}\n`,
  );

  if (args.json !== undefined) {
    const report = {
      sdk: BUNDLE_SDK ? 'bundled' : 'external',
      runs: RUNS,
      // Whether the world projected every wallet's view between cold starts (the default).
      viewsProjected: !args.unprojected,
      bundles,
      // Chunks loaded only on a lazy path (`await import()`): the X-Ray tracer when active tracing
      // is on, and the like. Not in `bundles`, which is what every cold start reads.
      lazyBundles,
      maxBundleBytes,
      initMsP50,
      importMsP50: Object.fromEntries(
        [...importSamples].map(([name, values]) => [name, Math.round(median(values) * 10) / 10]),
      ),
      baselineInitMsP50,
      baselineBundleBytes: baselineBytes,
      maxInitRatio,
      goal: GOAL,
      firstCallStatus: Object.fromEntries(statuses),
      ...(args.before === undefined
        ? {}
        : {
            before: {
              ref: args.before,
              bundles: beforeBundles,
              maxBundleBytes: Math.max(...Object.values(beforeBundles)),
              initMsP50: beforeInitMsP50,
              // That commit's own baseline (`baseline@before`), measured in the same run.
              baselineInitMsP50: beforeBaselineInitMsP50,
              maxInitRatio:
                Math.round((Math.max(...Object.values(beforeInitMsP50)) / beforeBaselineInitMsP50) * 100) /
                100,
            },
          }),
    };
    await writeFile(args.json, `${JSON.stringify(report, null, 2)}\n`);
  }
} finally {
  await world.stop();
}
