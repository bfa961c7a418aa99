import { expect } from 'vitest';
import { simulate } from './engine.ts';
import { formatResult } from './report.ts';

/** Faults every CI run must have injected, so a run that passes was a run under faults. */
const FAULT_KINDS = [
  'transaction-conflict',
  'throttle',
  'crash-after-commit',
  'lambda-killed',
  'stream-duplicate',
  'stream-reorder',
  'stream-delay',
  'queue-duplicate',
  'queue-reorder',
  'queue-delay',
  // Store answers held back past later ones (faults-hold.ts), and one wallet's reordered so.
  'answer-held',
  'answer-reordered-one-wallet',
];

/**
 * A fresh seed (SIM_SEED repeats one), printed before anything else, and `ops` ops from it (SIM_OPS
 * overrides). Two test files run one each, in parallel, so CI runs ≥ 100,000 ops on two cores.
 */
export function freshSeed(label: string, defaultOps: number, flags = ''): { seed: number; ops: number } {
  const seed =
    process.env.SIM_SEED === undefined
      ? (crypto.getRandomValues(new Uint32Array(1))[0] ?? 0)
      : Number(process.env.SIM_SEED);
  const ops = Number(process.env.SIM_OPS ?? defaultOps);
  console.log(`sim seed (${label}): ${seed} — repeat: npm run sim -- --seed ${seed} --ops ${ops}${flags}`);
  return { seed, ops };
}

export async function runFreshSeed(
  { seed, ops }: { seed: number; ops: number },
  options: { groupCommit?: boolean } = {},
): Promise<void> {
  const started = performance.now();
  const result = await simulate({ seed, ops, ...options });
  const report = formatResult(result, performance.now() - started);
  console.log(`sim seed: ${seed}\n${report}`);
  expect(result.failure, report).toBeUndefined();
  expect(result.opsRun).toBe(ops);
  for (const kind of FAULT_KINDS)
    expect(result.faults.get(kind) ?? 0, `faults of kind ${kind}`).toBeGreaterThan(0);
  // With group commit on, commands must have shared transactions, or the run did not exercise it.
  if (options.groupCommit) {
    expect(result.faults.get('group-commit') ?? 0, 'commands committed in groups').toBeGreaterThan(0);
    // And queue batches went through the cross-wallet group append (app/ingest-batch.ts).
    expect(result.faults.get('ingest-batch') ?? 0, 'events ingested in batch groups').toBeGreaterThan(0);
  }
}
