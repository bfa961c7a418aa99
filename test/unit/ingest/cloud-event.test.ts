import { describe, expect, it } from 'vitest';
import { cloudEventProblems, cloudEventSchema } from '#app/cloud-event.ts';
import { cloudEvent } from './helpers.ts';

/** The reasons a CloudEvent is refused with, as POST /events and the DLQ report them. */
function reasons(candidate: unknown): string[] {
  const result = cloudEventSchema.safeParse(candidate);
  if (result.success) return [];
  return cloudEventProblems(result.error);
}

describe('CloudEvent validation', () => {
  it('accepts a structured JSON CloudEvent and keeps its extension attributes', () => {
    const parsed = cloudEventSchema.parse(cloudEvent({ traceparent: '00-abc-01', partitionkey: 'w1' }));
    expect(parsed).toMatchObject({ id: 'ce-1', subject: 'w1', traceparent: '00-abc-01', partitionkey: 'w1' });
  });

  it.each([
    [
      'a subject that is not a wallet id',
      { subject: 'bad id' },
      /^subject: does not match the wallet id rule/,
    ],
    ['no subject', { subject: undefined }, /^subject: is required \(it names the wallet\)$/],
    ['no id', { id: undefined }, /^id: is required \(it is the idempotency key\)$/],
    ['an id with a space', { id: 'a b' }, /^id: must be visible ASCII characters$/],
    ['an id of 256 characters', { id: 'x'.repeat(256) }, /^id: must be at most 255 characters$/],
    ['specversion 0.3', { specversion: '0.3' }, /^specversion: must be "1.0"$/],
    ['no source', { source: undefined }, /^source: is required$/],
    ['an empty type', { type: '' }, /^type: must not be empty$/],
    ['a time without a zone', { time: '2026-11-22T10:00:00' }, /^time: must be an RFC 3339 timestamp/],
    [
      'a time in month 13',
      { time: '2026-13-01T10:00:00Z' },
      /^time: is not a valid date \(no such day or time\)$/,
    ],
    ['30 February', { time: '2026-02-30T10:00:00Z' }, /^time: is not a valid date \(no such day or time\)$/],
  ])('refuses %s with a specific reason', (_name, overrides, reason) => {
    const found = reasons(cloudEvent(overrides));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(reason);
  });

  it('says an empty id is empty', () => {
    expect(reasons(cloudEvent({ id: '' }))).toContain('id: must not be empty');
  });

  it('lists every problem of one event, each naming its field', () => {
    expect(reasons({ specversion: '1.0', id: 'x', type: 't', subject: '-w' })).toEqual([
      'source: is required',
      expect.stringMatching(/^subject: does not match the wallet id rule/),
    ]);
  });

  it('names the event itself when it is not an object', () => {
    expect(reasons('hello')).toEqual([expect.stringMatching(/^event: /)]);
  });
});
