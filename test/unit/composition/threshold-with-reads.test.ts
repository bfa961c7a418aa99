import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { correctionsDeps } from '#composition/corrections.ts';
import { replayDeps } from '#composition/job-queue.ts';
import { projectorDeps, walletReadDeps } from '#composition/lambda.ts';
import { ENV } from '#lib/wiring.ts';

/**
 * The active rule set's threshold is not read before a wallet read or a projector batch starts:
 * the reads that fold a view read it together with their own first reads, so a cold start waits
 * on the table once for both (app/queries/wallet-view.ts, handlers/project-streams.ts).
 */
describe('the threshold of the wallet reads and the projector', () => {
  const names = [ENV.tableName, ENV.dynamodbEndpoint];
  const saved = names.map((name) => process.env[name]);
  beforeEach(() => {
    process.env[ENV.tableName] = 'tally-test';
    // Nothing listens there: a read that is sent fails at once.
    process.env[ENV.dynamodbEndpoint] = 'http://127.0.0.1:9';
  });
  afterEach(() => {
    names.forEach((name, index) => {
      const value = saved[index];
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    });
  });

  it('is handed to the wallet reads as how to read it, read by the routes that fold', async () => {
    const deps = await walletReadDeps();
    expect(typeof deps.config).toBe('function');
  });

  it('is handed to the projector as the read under way, awaited with the batch read', async () => {
    const deps = await projectorDeps();
    expect(deps.config).toBeInstanceOf(Promise);
    // No table here: the read fails, which the projector would report with its batch.
    await Promise.resolve(deps.config).catch(() => undefined);
  });

  it.each([
    ['corrections', correctionsDeps],
    ['replay', replayDeps],
  ])('is handed to %s as how to read it: building its deps sends no read', async (_name, build) => {
    // No table here: a threshold read before the handler runs would fail the deps.
    const deps = await build();
    expect(typeof deps.config).toBe('function');
  });
});
