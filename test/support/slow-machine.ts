/**
 * A slow, loaded machine in one process (a vitest setup file: slow-machine.config.ts). Every
 * setImmediate and setTimeout callback of the process is followed by a neighbour's turn (its own
 * callback, queued right behind it), as busy processes on two shared cores deschedule it between
 * turns: with chance `TALLY_SLOW_CHANCE` (default 1) it holds the CPU for a random 0–`TALLY_SLOW_MS`
 * ms (default 20). Time goes on meanwhile, so a sleep set in one turn can end before the next
 * turn's setImmediate callbacks run, and a test whose outcome hangs on a sleep being long enough
 * (a queue ended, a read reached, a batch sent) fails here at once, where on a quiet machine it
 * passes nearly always: correction-busy-wallet.test.ts as it was before 6ed9b29 (a 5 ms sleep for
 * the deposit's queue to end) hangs to its timeout in its first run here, as on stop 20's CI.
 * Promises are not touched: what runs in one turn still runs in one turn. CPU-bound tests slow down
 * a lot here (every turn pays); a timeout they meet here is no finding by itself.
 *
 *   npx vitest run --root . --config test/support/slow-machine.config.ts --project unit path/to/file
 */
const slowMs = Number(process.env.TALLY_SLOW_MS ?? 20);
const chance = Number(process.env.TALLY_SLOW_CHANCE ?? 1);

/** Now and then, holds the CPU for a random while, as a neighbour does. */
const neighbour = () => {
  if (Math.random() >= chance) return;
  const until = performance.now() + Math.random() * slowMs;
  while (performance.now() < until) {
    // the neighbour runs
  }
};

const { setImmediate: immediate, setTimeout: timeout } = globalThis;

// After a setImmediate callback and its promises, before the next: its neighbour's turn, queued
// right behind it. A callback's turn ends, then time passes before the next timers phase.
globalThis.setImmediate = Object.assign((callback: (...args: unknown[]) => void, ...args: unknown[]) => {
  const handle = immediate(callback, ...args);
  immediate(neighbour);
  return handle;
}, immediate) as typeof setImmediate;

// The same after a timer's callback: a timer due with it, set right after it.
globalThis.setTimeout = Object.assign((callback: unknown, ms?: number, ...args: unknown[]) => {
  const handle = timeout(callback as never, ms, ...args);
  timeout(neighbour, ms).unref();
  return handle;
}, timeout) as typeof setTimeout;
