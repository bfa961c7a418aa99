import { describe, expect, it } from 'vitest';
import { ViewCache } from '#app/wallet-projection.ts';
import { emptyView } from '#domain/wallet-view.ts';

const CONFIG = { thresholdMinor: 100n, windowMs: 60_000, retainMax: 10 };
const view = (walletId: string) => emptyView(walletId, CONFIG);

describe('ViewCache', () => {
  it('keeps at most entriesMax views: the least recently remembered goes first', () => {
    const views = new ViewCache(2);
    views.remember(view('w1'));
    views.remember(view('w2'));
    views.remember(view('w1'));
    views.remember(view('w3'));
    expect(views.get('w2')).toBeUndefined();
    expect(views.get('w1')?.walletId).toBe('w1');
    expect(views.get('w3')?.walletId).toBe('w3');
  });

  it('forgets a wallet on request (another projector wrote first)', () => {
    const views = new ViewCache();
    views.remember(view('w1'));
    views.forget('w1');
    expect(views.get('w1')).toBeUndefined();
  });
});
