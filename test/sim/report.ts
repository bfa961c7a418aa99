import type { SimulationResult } from './engine.ts';
import { viewText } from './ops.ts';
import { KNOWN_ISSUES } from './world.ts';

/** What a run prints after its seed: ops, faults by kind, known issues, violations (and the shrunk ops). */
export function formatResult(result: SimulationResult, elapsedMs: number): string {
  const lines = [
    `ops run: ${result.opsRun} in ${result.episodes} episode(s), ${(elapsedMs / 1000).toFixed(1)} s`,
    `ops by kind: ${[...result.opsByName]
      .sort((a, b) => b[1] - a[1])
      .map(([name, n]) => `${name} ${n}`)
      .join(', ')}`,
    `episodes ended with: ${[...result.stats].map(([kind, n]) => `${kind} ${n}`).join(', ')}`,
    `faults injected: ${
      [...result.faults]
        .sort((a, b) => b[1] - a[1])
        .map(([kind, n]) => `${kind} ${n}`)
        .join(', ') || 'none'
    }`,
    // The reorder fault (faults-hold.ts) apart: how often it fired, how often it reordered one wallet's answers.
    `answers held back: ${result.faults.get('answer-held') ?? 0}, of which overtaken by a later answer of the same wallet: ${
      result.faults.get('answer-reordered-one-wallet') ?? 0
    }`,
  ];
  for (const [name, { count, example }] of result.known) {
    lines.push(
      `known issue (not failing; --strict fails on it): ${name} ×${count} — ${KNOWN_ISSUES[name]}; e.g. ${example}`,
    );
  }
  if (result.failure === undefined) {
    lines.push('violations: 0');
    return lines.join('\n');
  }
  const { failure } = result;
  lines.push(
    `violations: 1 — ${failure.violation.invariant}: ${failure.violation.detail}`,
    `seen after op ${failure.violation.atOp} of episode ${failure.episode} (episode seed ${failure.episodeSeed}); seed ${result.seed}`,
    `shortest op sequence that reproduces it (${failure.shrunk.length} op(s); replay: npm run sim -- --episode-seed ${failure.episodeSeed} --replay FILE):`,
    ...failure.shrunk.map((record) => `  ${viewText(record)}`),
  );
  return lines.join('\n');
}
