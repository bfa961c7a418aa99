import { describe, it } from 'vitest';
import { freshSeed, runFreshSeed } from './fresh-seed.ts';

// Half of CI's 100,000 simulated ops (the other half: sim-run-a.test.ts, in parallel).
const run = freshSeed('b', 50_000);

describe('the fault simulation, from a fresh seed', () => {
  it(`runs ${run.ops} ops with no invariant violated`, () => runFreshSeed(run), 600_000);
});
