import { describe, expect, it, vi } from 'vitest';

// The schema path's module fails to load once (a chunk that could not be read), then loads.
let failures = 1;
vi.mock('#adapters/dynamodb/table-layout/event-item-schema.ts', async (importOriginal) => {
  if (failures > 0) {
    failures--;
    throw new Error('chunk not readable');
  }
  return importOriginal();
});
const { fromEventItem } = await import('#adapters/dynamodb/table-layout/event-item.ts');

const released = {
  pk: 'WALLET#w1',
  sk: 'EVENT#0#1',
  kind: 'event',
  walletId: 'w1',
  lane: '0',
  version: '1',
  eventId: 'e1',
  type: 'HoldReleased',
  data: { holdId: 'h', asset: 'money', amount: '5', reason: 'released', occurredAtMs: '2' },
  recordedAtMs: '5',
  prevHash: '',
  hash: 'h1',
};

describe('the event item schema path', () => {
  it('is loaded again by the next item that needs it when a load failed', async () => {
    await expect(fromEventItem(released)).rejects.toThrow();
    expect(await fromEventItem(released)).toMatchObject({ type: 'HoldReleased', data: { amount: 5n } });
  });
});
