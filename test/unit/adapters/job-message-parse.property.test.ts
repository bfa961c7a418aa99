import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';

// A pass-through spy: the real zod/mini, its objects counted (the schema is built on first use).
vi.mock('zod/mini', async (importOriginal) => {
  const original = await importOriginal<typeof import('zod/mini')>();
  return { ...original, object: vi.fn(original.object) };
});
const z = await import('zod/mini');
const { jobMessageSchema, parseJobMessage, toJobBody } = await import('#adapters/sqs/job-message.ts');
const { junk } = await import('../../support/junk-values.ts');

/**
 * run-jobs reads a jobs-queue message field by field where it is as queued, not through zod (a
 * cold process's first parse cost ~1-2 ms CPU): what it gives must be what the schema gives, for
 * messages as queued and edited in any one field; the schema's refusals are unchanged.
 */

const message = fc.record(
  {
    jobId: fc.oneof(
      fc.uuid(),
      fc.string({ maxLength: 300 }),
      fc.constantFrom('', 'j'.repeat(256), 'j'.repeat(257)),
    ),
    segment: fc.oneof(fc.nat(15), fc.constantFrom(-1, 2 ** 53, 1.5)),
    page: fc.nat(),
    cursor: fc.option(fc.string(), { nil: null }),
    kind: fc.oneof(
      fc.constantFrom('replay', 'backtest', 'republish', 'k'.repeat(64), 'k'.repeat(65)),
      fc.string({ maxLength: 70 }),
    ),
    segments: fc.oneof(fc.integer({ min: 0, max: 16 }), junk),
    extra: fc.string(),
  },
  { requiredKeys: ['jobId', 'segment', 'page', 'cursor'] },
);

/** The same answer: both throw, or both return equal values. */
function sameAnswer(read: () => unknown, bySchema: () => unknown): void {
  let expected: { value: unknown } | undefined;
  try {
    expected = { value: bySchema() };
  } catch {
    expected = undefined;
  }
  if (expected === undefined) expect(read).toThrow();
  else expect(read()).toStrictEqual(expected.value);
}

describe('a jobs-queue message read without zod', () => {
  it('builds no schema for a message as queued', () => {
    expect(
      parseJobMessage('{"jobId":"j","segment":0,"page":1,"cursor":null,"kind":"replay","segments":8}'),
    ).toStrictEqual({
      jobId: 'j',
      segment: 0,
      page: 1,
      cursor: null,
      kind: 'replay',
      segments: 8,
    });
    expect(toJobBody({ jobId: 'j', segment: 0, page: 2, cursor: 'c' })).toBe(
      '{"jobId":"j","segment":0,"page":2,"cursor":"c"}',
    );
    expect(z.object).not.toHaveBeenCalled();
    expect(() => parseJobMessage('{"jobId":""}')).toThrow(/jobs-queue message is not a job page: jobId/);
    expect(z.object).toHaveBeenCalled();
  });

  it('reads a message as the schema does, as queued or with one field edited', () => {
    const name = fc.constantFrom('jobId', 'segment', 'page', 'cursor', 'kind', 'segments', 'x');
    fc.assert(
      fc.property(message, fc.boolean(), name, junk, (queued, edit, key, value) => {
        const read: Record<string, unknown> = edit ? { ...queued, [key]: value } : queued;
        sameAnswer(
          () => parseJobMessage(JSON.stringify(read)),
          () => {
            const parsed = jobMessageSchema().safeParse(JSON.parse(JSON.stringify(read)));
            if (!parsed.success) throw new Error('refused');
            return parsed.data;
          },
        );
        sameAnswer(
          () => toJobBody(read as never),
          () => {
            const parsed = jobMessageSchema().safeParse(read);
            if (!parsed.success) throw new Error('refused');
            const { jobId, segment, page, cursor, kind, segments } = parsed.data;
            return JSON.stringify({ jobId, segment, page, cursor, kind, segments });
          },
        );
      }),
      { numRuns: 3_000 },
    );
  });
});
