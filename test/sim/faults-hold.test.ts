import { describe, expect, it } from 'vitest';
import { AnswerHolds, type CallKind } from './faults-hold.ts';
import { Rng } from './rng.ts';

/** Calls answered at once by the "store"; the order their answers reach the callers. */
async function order(
  holds: AnswerHolds,
  calls: readonly { name: string; wallet: string; kind: CallKind; startAfter?: number }[],
): Promise<string[]> {
  const heard: string[] = [];
  await Promise.all(
    calls.map(async ({ name, wallet, kind, startAfter = 0 }) => {
      for (let turn = 0; turn < startAfter; turn++) await Promise.resolve();
      await holds.answer([wallet], kind, async () => name);
      heard.push(name);
    }),
  );
  return heard;
}

describe('answers held back (faults-hold.ts)', () => {
  it('hands a held answer over after later ones, the same way for the same seed', async () => {
    const run = async (seed: number) => {
      const counts = new Map<string, number>();
      const holds = new AnswerHolds((kind) => counts.set(kind, (counts.get(kind) ?? 0) + 1));
      holds.arm(new Rng(seed), 0.5);
      const heard = await order(
        holds,
        Array.from({ length: 12 }, (_, i) => ({
          name: `c${i}`,
          wallet: `w${i % 2}`,
          kind: 'read' as const,
          startAfter: i * 3,
        })),
      );
      return { heard, counts: [...counts] };
    };
    const first = await run(7);
    // Reordered: some answer reached its caller after one to a call sent later.
    expect(first.heard).not.toEqual([...first.heard].sort((a, b) => Number(a.slice(1)) - Number(b.slice(1))));
    expect(first.counts.find(([kind]) => kind === 'answer-held')?.[1]).toBeGreaterThan(0);
    expect(await run(7)).toEqual(first);
  });

  it('holds a head until a newer state of its wallet was read, and never forever', async () => {
    const holds = new AnswerHolds(() => {});
    // Every head held (rate 1; the head bias makes it certain); seed 1's waits for a newer state.
    holds.arm(new Rng(1), 1);
    const heard: string[] = [];
    const head = holds.answer(['w1'], 'head', async () => 'head').then((x) => heard.push(x));
    // Held once answered (a few turns); the calls after it are not held.
    for (let turn = 0; turn < 10; turn++) await Promise.resolve();
    holds.disarm();
    await holds.answer(['w1'], 'write', async () => 'credit').then((x) => heard.push(x));
    // A credit acknowledged is not enough (longer than any release's turns): a state read after it is.
    for (let turn = 0; turn < 100; turn++) await Promise.resolve();
    expect(heard).toEqual(['credit']);
    // Nor is a read of part of it (a head, a page that is not the last).
    await holds.answer(['w1'], 'read', async () => 'page').then((x) => heard.push(x));
    for (let turn = 0; turn < 100; turn++) await Promise.resolve();
    expect(heard).toEqual(['credit', 'page']);
    await holds.answer(['w1'], 'state', async () => 'state').then((x) => heard.push(x));
    await head;
    expect(heard).toEqual(['credit', 'page', 'state', 'head']);
    // With nothing else to do, a held answer goes on the next macrotask.
    holds.arm(new Rng(3), 1);
    const alone = await holds.answer(['w2'], 'head', async () => 'alone');
    expect(alone).toBe('alone');
  });

  it('hands over a held error as an error', async () => {
    const holds = new AnswerHolds(() => {});
    holds.arm(new Rng(1), 1);
    await expect(
      holds.answer(['w1'], 'write', async () => Promise.reject(new Error('conflict'))),
    ).rejects.toThrow('conflict');
  });
});
