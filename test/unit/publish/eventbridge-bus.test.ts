import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  EventBridgeBus,
  PUT_EVENTS_ENTRY_BYTES_MAX,
  putEventsEntrySize,
  toPutEventsEntry,
} from '#adapters/eventbridge/event-bus.ts';
import { published } from './fixtures.ts';

const eventBridge = mockClient(EventBridgeClient);
const bus = () =>
  new EventBridgeBus({
    client: new EventBridgeClient({ region: 'eu-west-1' }),
    eventBusName: 'tally-bus',
    retryBaseMs: 1,
  });
const sentEntries = () =>
  eventBridge.commandCalls(PutEventsCommand).map((call) => call.args[0].input.Entries ?? []);
const accepted = (count: number) => ({
  FailedEntryCount: 0,
  Entries: Array.from({ length: count }, (_, i) => ({ EventId: `eb-${i}` })),
});

describe('EventBridgeBus', () => {
  beforeEach(() => eventBridge.reset());

  it('sends the whole CloudEvent as Detail, with source and type for rules to match', async () => {
    eventBridge.on(PutEventsCommand).resolves(accepted(1));
    const outcome = await bus().publish([published('a', 'w1', '{"amount":120.5}')]);
    expect(outcome.failed).toEqual([]);
    const [entry] = sentEntries()[0] ?? [];
    expect(entry).toMatchObject({
      EventBusName: 'tally-bus',
      Source: 'tally/test',
      DetailType: 'tally.wallet.deposited',
    });
    expect(entry?.Time?.toISOString()).toBe('2026-12-06T03:00:00.000Z');
    expect(entry?.Detail).toContain('"data":{"amount":120.5}');
    expect(JSON.parse(entry?.Detail ?? '{}')).toMatchObject({ id: 'a', specversion: '1.0', subject: 'w1' });
  });

  it('cuts the events into PutEvents calls of at most 10, in order', async () => {
    eventBridge.on(PutEventsCommand).callsFake((input) => accepted(input.Entries.length));
    const events = Array.from({ length: 23 }, (_, i) => published(`id-${i}`));
    expect((await bus().publish(events)).failed).toEqual([]);
    const calls = sentEntries();
    expect(calls.map((entries) => entries.length)).toEqual([10, 10, 3]);
    expect(calls.flat().map((entry) => JSON.parse(entry.Detail ?? '{}').id)).toEqual(events.map((e) => e.id));
  });

  it('re-sends entries failed with a transient code and reports only what still fails', async () => {
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({
        FailedEntryCount: 2,
        Entries: [
          { EventId: 'x' },
          { ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' },
          { ErrorCode: 'AccessDeniedException', ErrorMessage: 'no' },
        ],
      })
      .resolvesOnce({ FailedEntryCount: 0, Entries: [{ EventId: 'y' }] });
    const outcome = await bus().publish([published('a'), published('b'), published('c')]);
    const calls = sentEntries();
    expect(calls).toHaveLength(2);
    expect(calls[1]?.map((entry) => JSON.parse(entry.Detail ?? '{}').id)).toEqual(['b']);
    // Not re-sent at once, but left to the stream's retry (and its on-failure destination).
    expect(outcome.failed).toEqual([
      { id: 'c', code: 'AccessDeniedException', message: 'no', retryable: true },
    ]);
  });

  it('gives up re-sending after the attempts and reports the entry for the stream to retry', async () => {
    eventBridge
      .on(PutEventsCommand)
      .resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'oops' }] });
    const outcome = await bus().publish([published('a')]);
    expect(sentEntries()).toHaveLength(3);
    expect(outcome.failed).toEqual([{ id: 'a', code: 'InternalFailure', message: 'oops', retryable: true }]);
  });

  it('fails every event of a call that failed, and goes on with the next chunk', async () => {
    eventBridge
      .on(PutEventsCommand)
      .rejectsOnce(Object.assign(new Error('unreachable'), { name: 'ServiceUnavailable' }))
      .resolves(accepted(2));
    const events = Array.from({ length: 12 }, (_, i) => published(`id-${i}`));
    const outcome = await bus().publish(events);
    expect(outcome.failed.map((failure) => failure.id)).toEqual(events.slice(0, 10).map((e) => e.id));
    expect(
      outcome.failed.every((failure) => failure.code === 'ServiceUnavailable' && failure.retryable),
    ).toBe(true);
  });

  it('checks the 256 KB entry limit before sending: a too-large event is reported, not retried', async () => {
    eventBridge.on(PutEventsCommand).callsFake((input) => accepted(input.Entries.length));
    const big = published('big', 'w1', JSON.stringify({ blob: 'x'.repeat(PUT_EVENTS_ENTRY_BYTES_MAX) }));
    const outcome = await bus().publish([published('small'), big]);
    expect(sentEntries().flat()).toHaveLength(1);
    expect(outcome.failed).toEqual([
      expect.objectContaining({ id: 'big', code: 'EntryTooLarge', retryable: false }),
    ]);
  });

  it('measures an entry as EventBridge does: UTF-8 bytes of its fields plus 14 for Time', () => {
    const entry = toPutEventsEntry(published('é'), 'bus');
    const expected =
      14 + 'tally/test'.length + 'tally.wallet.deposited'.length + Buffer.byteLength(entry.Detail ?? '');
    expect(putEventsEntrySize(entry)).toBe(expected);
    expect(Buffer.byteLength(entry.Detail ?? '')).toBe((entry.Detail ?? '').length + 1);
  });
});
