import { describe, expect, it } from 'vitest';
import { staleFiles } from '../../../../bin/openapi.ts';

describe('npm run openapi', () => {
  it('has written the document and the client types the code generates now', async () => {
    // Stale after a route, a schema or a problem type changed: run `npm run openapi` and commit.
    expect(await staleFiles()).toEqual([]);
  }, 60_000);
});
