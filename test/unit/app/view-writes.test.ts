import { describe, expect, it } from 'vitest';
import { coalescedViewWrites } from '#app/view-writes.ts';
import { emptyView, type WalletView } from '#domain/wallet-view.ts';
import type { ReadModelStore, ViewWrite } from '#ports/read-models.ts';

const CONFIG = { thresholdMinor: 1_000n, windowMs: 60_000, retainMax: 10 };
const view = (walletId: string): WalletView => ({ ...emptyView(walletId, CONFIG), eventCount: 1 });

/** A store that records its requests; a view whose wallet starts with "stale" is refused. */
function recording(options: { each?: boolean; fail?: boolean } = {}) {
  const requests: string[][] = [];
  const outcome = (walletId: string) => (walletId.startsWith('stale') ? 'stale' : 'written');
  const store: ReadModelStore = {
    getView: async () => undefined,
    getViews: async () => new Map(),
    putViews: async () => [],
    putView: async (v) => {
      requests.push([v.walletId]);
      if (options.fail) throw new Error('throttled');
      return outcome(v.walletId);
    },
    ...(options.each === false
      ? {}
      : {
          putViewEach: async (writes: readonly ViewWrite[]) => {
            requests.push(writes.map((write) => write.view.walletId));
            if (options.fail) throw new Error('throttled');
            return writes.map((write) => outcome(write.view.walletId));
          },
        }),
  };
  return { store, requests };
}

describe('coalescedViewWrites', () => {
  it('sends the views of one turn in one request, each caller getting its own answer', async () => {
    const { store, requests } = recording();
    const batched = coalescedViewWrites(store);
    const answers = await Promise.all(['a', 'stale-b', 'c'].map((id) => batched.putView(view(id))));
    expect(answers).toEqual(['written', 'stale', 'written']);
    expect(requests).toEqual([['a', 'stale-b', 'c']]);
  });

  it('keeps turns apart, and writes a lone view with putView', async () => {
    const { store, requests } = recording();
    const batched = coalescedViewWrites(store);
    await batched.putView(view('a'));
    await Promise.all([batched.putView(view('b')), batched.putView(view('c'))]);
    expect(requests).toEqual([['a'], ['b', 'c']]);
  });

  it('fails every view of a request that failed, and the next turn starts afresh', async () => {
    const failing = recording({ fail: true });
    const batched = coalescedViewWrites(failing.store);
    const settled = await Promise.allSettled(['a', 'b'].map((id) => batched.putView(view(id))));
    expect(settled.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    expect(failing.requests).toEqual([['a', 'b']]);
  });

  it('is the store itself where the store cannot write several views in one request', () => {
    const { store } = recording({ each: false });
    expect(coalescedViewWrites(store)).toBe(store);
  });
});
