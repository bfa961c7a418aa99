import { describe, expect, it } from 'vitest';
import { HeadCache, type LaneHead } from '#app/head-cache.ts';

const at = (version: number): LaneHead => ({ lane: 0, head: { version, hash: `h${version}` } });

describe('HeadCache', () => {
  it('answers the last head remembered for a wallet, and nothing for an unknown one', () => {
    const heads = new HeadCache();
    heads.remember('w1', at(1));
    heads.remember('w1', at(2));
    expect(heads.get('w1')).toEqual(at(2));
    expect(heads.get('w2')).toBeUndefined();
  });

  it('keeps at most entriesMax wallets: the least recently remembered goes first', () => {
    const heads = new HeadCache(2);
    heads.remember('w1', at(1));
    heads.remember('w2', at(1));
    heads.remember('w1', at(2)); // w1 is now the younger one
    heads.remember('w3', at(1));
    expect(heads.get('w2')).toBeUndefined();
    expect(heads.get('w1')).toEqual(at(2));
    expect(heads.get('w3')).toEqual(at(1));
  });

  it('does not make an entry younger on a look-up (only remember does)', () => {
    const heads = new HeadCache(2);
    heads.remember('w1', at(1));
    heads.remember('w2', at(1));
    heads.get('w1');
    heads.remember('w3', at(1));
    expect(heads.get('w1')).toBeUndefined();
    expect(heads.get('w2')).toEqual(at(1));
  });
});
