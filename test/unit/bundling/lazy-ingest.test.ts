/**
 * What the two ingest functions load only on a path their typical message does not take, pinned on
 * the bundles the stack deploys (README "Bundling"):
 * - card accounts' events (`account.*`, `payment.*`): their ingest (app/card-ingest.ts), the card
 *   decider, the account log and the trading index's changes, loaded with the first such event
 *   (composition/card-ingest.ts); a points or deposit event never runs them.
 * Each is still in a lazy chunk of the function: the path works, it just loads on first use.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type BuiltBundle, buildBundle } from '../../../bench/cold/build.ts';
import { FUNCTIONS } from '../../../lib/wiring.ts';

const outRoot = mkdtempSync(path.join(tmpdir(), 'tally-lazy-ingest-'));
afterAll(() => rmSync(outRoot, { recursive: true, force: true }));

const built = new Map<string, Promise<BuiltBundle>>();
function bundle(name: string): Promise<BuiltBundle> {
  const spec = FUNCTIONS.find((candidate) => candidate.name === name);
  if (spec === undefined) throw new Error(`no wiring function ${name}`);
  let found = built.get(name);
  if (found === undefined) {
    found = buildBundle(name, spec.entry, { outRoot });
    built.set(name, found);
  }
  return found;
}

/** Only an account event runs these. */
const CARD_INGEST = [
  'functions/app/card-ingest.ts',
  'functions/app/cards.ts',
  'functions/app/account-log.ts',
  'functions/domain/card/decide.ts',
  'functions/app/trading-index.ts',
  'functions/app/payment-index.ts',
];

const eager = (bundle: BuiltBundle, files: readonly string[]) =>
  files.filter((file) => (bundle.eagerInputs[file] ?? 0) > 0);
const missing = (bundle: BuiltBundle, files: readonly string[]) =>
  files.filter((file) => !bundle.inputs.includes(file));

describe.each(['ingest-queue', 'ingest-kafka'])('%s', (name) => {
  it('loads card accounts’ ingest with the first account event, not at its cold start', async () => {
    const built = await bundle(name);
    expect(eager(built, CARD_INGEST)).toEqual([]);
    expect(missing(built, CARD_INGEST), 'in a lazy chunk').toEqual([]);
  }, 120_000);
});
