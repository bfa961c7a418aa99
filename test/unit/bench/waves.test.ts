import { describe, expect, it } from 'vitest';
import { wavesOf } from '../../../bench/cold/waves.ts';

describe('wavesOf (bench/cold/floor.ts)', () => {
  it('puts requests sent before any answer of a wave into that wave, and a later one into the next', () => {
    // holds on stop 21's main: two look-ups at once, then one after each answer.
    const requests = [
      { target: 'GetItem', at: 40, ms: 10 },
      { target: 'GetItem', at: 40.5, ms: 6 },
      { target: 'GetItem', at: 52, ms: 2 },
      { target: 'Query', at: 58, ms: 2 },
      { target: 'TransactWriteItems', at: 82, ms: 10 },
    ];
    expect(wavesOf(requests)).toEqual([
      ['GetItem', 'GetItem'],
      ['GetItem'],
      ['Query'],
      ['TransactWriteItems'],
    ]);
  });

  it('orders by start, and a request sent after the first answer of a wave waits even if others are out', () => {
    const requests = [
      { target: 'Query', at: 64, ms: 8 },
      { target: 'Scan', at: 44, ms: 10 },
      { target: 'BatchGetItem', at: 44.2, ms: 14 },
      { target: 'BatchGetItem', at: 64.1, ms: 3 },
    ];
    expect(wavesOf(requests)).toEqual([
      ['Scan', 'BatchGetItem'],
      ['Query', 'BatchGetItem'],
    ]);
  });

  it('has no waves for a call that sent nothing', () => {
    expect(wavesOf([])).toEqual([]);
  });
});
