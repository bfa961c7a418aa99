import { describe, expect, it } from 'vitest';
import { authBanner, logLevelOf, rateLimitOf, runningText } from '../../../functions/cli/dev.ts';

const runtime = {
  port: 8099,
  auth: 'off',
  endpoint: 'http://127.0.0.1:41000',
  tableName: 'tally-local',
  sqsEndpoint: 'http://127.0.0.1:41001',
  eventsQueueUrl: 'http://127.0.0.1:41001/000000000000/tally-events',
  eventsDlqUrl: 'http://127.0.0.1:41001/000000000000/tally-events-dlq',
} as const;

describe('tally dev start-up text', () => {
  it('prints the local SQS endpoint with the events queue and its dead-letter queue (issue 15 §9)', () => {
    const lines = runningText(runtime, { inMemory: true, dataDir: '/tmp/x', cwd: '/tmp' }).split('\n');
    expect(lines).toContain(
      '  SQS (local) http://127.0.0.1:41001: events queue http://127.0.0.1:41001/000000000000/tally-events, ' +
        'dead letters http://127.0.0.1:41001/000000000000/tally-events-dlq',
    );
    expect(lines).toContain(
      '  DynamoDB Local http://127.0.0.1:41000, table tally-local, data in memory (nothing is kept)',
    );
  });

  it('says the admin routes are open when no admin token is set', () => {
    expect(authBanner('off', {})).toContain('ADMIN ROUTES ARE OPEN');
    expect(authBanner('off', { TALLY_ADMIN_TOKEN: 's' })).not.toContain('OPEN');
  });
});

describe('rateLimitOf', () => {
  it('reads --rate-limit, else TALLY_RATE_LIMIT, and refuses what is not a positive rate', () => {
    expect(rateLimitOf({}, {})).toBeUndefined();
    expect(rateLimitOf({ 'rate-limit': '50' }, { TALLY_RATE_LIMIT: '5' })).toBe(50);
    expect(rateLimitOf({}, { TALLY_RATE_LIMIT: '2.5' })).toBe(2.5);
    expect(() => rateLimitOf({ 'rate-limit': '0' }, {})).toThrow(/--rate-limit must be a positive number/);
    expect(() => rateLimitOf({}, { TALLY_RATE_LIMIT: 'fast' })).toThrow(/TALLY_RATE_LIMIT must be/);
  });
});

describe('logLevelOf (`tally dev --log-level`)', () => {
  it('names a Powertools level in upper case, or leaves the env alone without the flag', () => {
    expect(logLevelOf({})).toBeUndefined();
    expect(logLevelOf({ 'log-level': 'debug' })).toBe('DEBUG');
    expect(logLevelOf({ 'log-level': ' Warn ' })).toBe('WARN');
    expect(() => logLevelOf({ 'log-level': 'loud' })).toThrow(/--log-level must be one of debug, info/);
  });
});
