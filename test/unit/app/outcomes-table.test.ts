/**
 * The domain errors' table (app/outcomes.ts), written once per code: each entry keeps its HTTP
 * status and title, its kebab-case code, and is dead-lettered on a queue. A pin of the table's
 * shape (it was written as one call per code, naming the code twice).
 */
import { describe, expect, it } from 'vitest';
import { DOMAIN_ERROR_OUTCOMES } from '#app/outcomes.ts';

describe('DOMAIN_ERROR_OUTCOMES', () => {
  it('answers each code with its status and title, kebab-cased, dead-lettered', () => {
    expect(DOMAIN_ERROR_OUTCOMES.invalid_wallet_id).toEqual({
      status: 400,
      title: 'Bad request',
      code: 'invalid-wallet-id',
      queue: 'dead-letter',
    });
    expect(DOMAIN_ERROR_OUTCOMES.correction_below_floor).toEqual({
      status: 409,
      title: 'Correction below floor',
      code: 'correction-below-floor',
      queue: 'dead-letter',
    });
    for (const [code, outcome] of Object.entries(DOMAIN_ERROR_OUTCOMES)) {
      expect(outcome.code).toBe(code.replaceAll('_', '-'));
      expect(outcome.queue).toBe('dead-letter');
      expect([400, 404, 409, 422]).toContain(outcome.status);
    }
    expect(Object.keys(DOMAIN_ERROR_OUTCOMES)).toHaveLength(32);
  });
});
