import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { checkpointItemSchema, fromCheckpointItem } from '#adapters/dynamodb/table-layout/checkpoint-item.ts';
import { junk } from '../../support/junk-values.ts';

/**
 * The checkpoint pass reads every wallet's checkpoints field by field, not through zod (a cold
 * pass's first zod parse costs more than the rest of the read): what it gives must be what the
 * schema gives, for items as written and for items edited in any one attribute. (The view's
 * applied lanes: view-item-parse.property.test.ts.)
 */

const checkpoint = fc.record({
  pk: fc.constant('WALLET#w1'),
  sk: fc.oneof(fc.integer({ min: 0, max: 31 }).map((lane) => `CHECKPOINT#${String(lane).padStart(2, '0')}`)),
  kind: fc.constant('checkpoint'),
  walletId: fc.string(),
  lane: fc.oneof(fc.integer({ min: 0, max: 31 }).map(String), fc.integer({ min: 0, max: 31 })),
  version: fc.oneof(fc.integer({ min: 0, max: 2 ** 40 }).map(String), fc.nat()),
  hash: fc.string({ unit: fc.constantFrom(...'0123456789abcdef') }),
  signature: fc.string({ unit: fc.constantFrom(...'0123456789abcdef') }),
});

describe("the checkpoint pass's readings without zod", () => {
  it('read a checkpoint item as its schema does, as written or with one attribute edited', () => {
    const key = fc.constantFrom('walletId', 'lane', 'version', 'hash', 'signature', 'sk', 'x');
    fc.assert(
      fc.property(checkpoint, fc.boolean(), key, junk, (stored, edit, name, value) => {
        const item: Record<string, unknown> = { ...stored };
        if (edit) item[name] = value;
        // Where the schema accepts the item, its data (of the lane the key names); else a checkpoint
        // that cannot verify (fromCheckpointItem).
        const parsed = checkpointItemSchema.safeParse(item);
        const keyed = /^CHECKPOINT#(\d+)$/.exec(String(item.sk))?.[1];
        const read = fromCheckpointItem(item);
        if (parsed.success)
          expect(read).toStrictEqual({
            ...parsed.data,
            lane: keyed === undefined ? parsed.data.lane : Number(keyed),
          });
        else expect(read).toMatchObject({ version: 0, hash: '', signature: '' });
      }),
      { numRuns: 2_000 },
    );
  });

  it('use no schema for the items a pass reads as written', () => {
    const checkpoints = vi.spyOn(checkpointItemSchema, 'safeParse');
    const item = {
      pk: 'WALLET#w1',
      sk: 'CHECKPOINT#00',
      walletId: 'w1',
      lane: '0',
      version: '7',
      hash: 'ab',
      signature: 'cd',
    };
    expect(fromCheckpointItem(item)).toStrictEqual({
      walletId: 'w1',
      lane: 0,
      version: 7,
      hash: 'ab',
      signature: 'cd',
    });
    expect(checkpoints).not.toHaveBeenCalled();
    // An edited item still goes through the schema, which refuses it.
    expect(fromCheckpointItem({ ...item, version: 'x' })).toMatchObject({ version: 0, signature: '' });
    expect(checkpoints).toHaveBeenCalledTimes(1);
  });
});
