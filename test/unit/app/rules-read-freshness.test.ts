/**
 * A rule set or threshold read is as fresh as the moment it was SENT (stop 23, review7). In Lambda
 * a read left in flight when the handler answers is processed at the next thaw, maybe minutes
 * later: it must not count as just checked, and a later caller must not share it. And the value
 * and its stamp change together: a caller arriving while a new version compiles gets the new one,
 * never the old one stamped fresh.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '#adapters/dynamodb/event-hash.ts';
import { ActiveRuleSets, RULES_REFRESH_MS } from '#app/active-rules.ts';
import { ActiveThresholds } from '#app/active-threshold.ts';
import type { RuleSetReader, StoredRuleSet } from '#ports/rule-sets.ts';
import { DEFAULT_THRESHOLD_FLAG } from '#rules/types.ts';

const T0 = 1_700_000_000_000;

let nowMs: number;
let stored: StoredRuleSet;
/** The store's reads, held until released: a read answered after the process thawed. */
let held: (() => void)[];
let holding: boolean;
const reader: RuleSetReader = {
  async active() {
    const answer = stored; // read now, answered when released
    if (holding) await new Promise<void>((resolve) => held.push(resolve));
    return answer;
  },
  version: async () => undefined,
  versions: async () => [],
};

/** Publishes version `version`, whose flag's threshold is `version` thousand (minor units). */
function publish(version: number): void {
  stored = {
    version,
    text: `(version ${version})`,
    textHash: `h${version}`,
    publishedAtMs: nowMs,
    form: JSON.stringify({
      v: 1,
      rules: [],
      flag: { ...DEFAULT_THRESHOLD_FLAG, thresholdMinor: String(version * 1000) },
    }),
  };
}

beforeEach(() => {
  nowMs = T0;
  held = [];
  holding = false;
  publish(1);
});

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe.each([
  ['ActiveRuleSets', () => new ActiveRuleSets(reader, { nowMs: () => nowMs }, sha256Hex)],
  ['ActiveThresholds', () => new ActiveThresholds(reader, { nowMs: () => nowMs })],
] as const)('%s', (_name, make) => {
  /** The threshold in force as the instance answers it (version × 1000 minor units). */
  const thresholdOf = async (answer: Promise<unknown>) => {
    const current = (await answer) as { thresholdMinor?: bigint; threshold?: { thresholdMinor: bigint } };
    return current.thresholdMinor ?? current.threshold?.thresholdMinor;
  };

  it('a read answered long after it was sent (a frozen process) is not fresh: the next call reads again', async () => {
    const active = make();
    expect(await thresholdOf(active.current())).toBe(1000n);
    nowMs += RULES_REFRESH_MS + 1;
    holding = true;
    const left = active.current(); // sent, then the process froze
    await settle();
    nowMs += 10 * 60_000; // thawed ten minutes later; a new rule set was published meanwhile
    publish(2);
    holding = false;
    for (const release of held.splice(0)) release();
    expect(await thresholdOf(left)).toBe(1000n);
    // The late answer was sent ten minutes ago: the next caller does not take it as checked.
    expect(await thresholdOf(active.current())).toBe(2000n);
  });

  it('a read still in flight from long ago is not shared with a new caller', async () => {
    const active = make();
    expect(await thresholdOf(active.current())).toBe(1000n);
    nowMs += RULES_REFRESH_MS + 1;
    holding = true;
    const left = active.current(); // not answered before the freeze
    await settle();
    nowMs += 10 * 60_000;
    publish(2);
    holding = false;
    // The old read is still out: a caller now sends its own rather than waiting on it.
    expect(await thresholdOf(active.current())).toBe(2000n);
    for (const release of held.splice(0)) release();
    expect(await thresholdOf(left)).toBe(1000n);
    // The old answer, landing last, does not overwrite the newer one.
    expect(await thresholdOf(active.current())).toBe(2000n);
  });
});
