import { describe, it } from 'vitest';
import { freshSeed, runFreshSeed } from './fresh-seed.ts';

// Half of CI's 100,000 simulated ops (the other half: sim-run-a.test.ts, in parallel), with group
// commit on: each API instance's concurrent commands share transactions (app/group-commit*.ts).
const run = freshSeed('b', 50_000, ' --group-commit');

describe('the fault simulation, from a fresh seed', () => {
  it(
    `runs ${run.ops} ops with group commit on and no invariant violated`,
    () => runFreshSeed(run, { groupCommit: true }),
    600_000,
  );
});
