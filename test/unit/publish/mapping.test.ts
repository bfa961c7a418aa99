import { describe, expect, it } from 'vitest';
import { cloudEventSchema } from '#app/cloud-event.ts';
import { CLOUD_EVENT_TYPES, DEFAULT_PUBLICATIONS, toCloudEvent, toCloudEvents } from '#app/publish.ts';
import type { RecordedEvent } from '#domain/wallet.ts';
import { cloudEventJson } from '#ports/event-bus.ts';
import { awarded, deposited, factRecorded, must } from './fixtures.ts';

const options = { source: 'tally/test' };

describe('stored events → CloudEvents', () => {
  it('maps a deposit to tally.wallet.deposited with the wallet as subject and the stored event id', () => {
    const event = toCloudEvent(deposited('w1', 4, 12_050n, 'evt-9'), options);
    expect(event).toEqual({
      specversion: '1.0',
      id: 'evt-9',
      source: 'tally/test',
      type: CLOUD_EVENT_TYPES.deposited,
      subject: 'w1',
      time: '2026-12-06T03:00:00.000Z',
      datacontenttype: 'application/json',
      dataJson: '{"walletId":"w1","eventId":"evt-9","amount":120.5,"occurredAt":"2026-12-05T10:00:00.000Z"}',
    });
  });

  it('writes amounts exactly, beyond what a float holds', () => {
    // 2^53 + 1 minor units: a float would round the last digit away.
    const event = toCloudEvent(deposited('w1', 1, 9_007_199_254_740_993n), options);
    expect(event?.dataJson).toContain('"amount":90071992547409.93');
    expect(cloudEventJson(must(event))).toContain(
      '"data":{"walletId":"w1","eventId":"e-w1-1","amount":90071992547409.93,',
    );
  });

  it('gives the same stored event the same CloudEvent every time (same id, same bytes)', () => {
    const stored = awarded('w2', 7, 150n);
    const first = toCloudEvent(stored, options);
    const again = toCloudEvent(structuredClone(stored), options);
    expect(again).toEqual(first);
    expect(cloudEventJson(must(again))).toBe(cloudEventJson(must(first)));
    expect(first?.type).toBe(CLOUD_EVENT_TYPES.pointsAwarded);
    expect(JSON.parse(must(first).dataJson)).toMatchObject({ points: 150, ruleId: 'r1', ruleSetVersion: 3 });
  });

  it('does not publish recorded facts or rule applications', () => {
    expect(toCloudEvent(factRecorded('w1', 1), options)).toBeUndefined();
    const applied: RecordedEvent = {
      walletId: 'w1',
      lane: 0,
      version: 2,
      eventId: 'ra',
      recordedAtMs: 0,
      type: 'RulesApplied',
      data: { ruleSetVersion: 2, causeId: 'job-1' },
    };
    expect(
      toCloudEvents([factRecorded('w1', 1), applied, deposited('w1', 3, 1n)], options).map((e) => e.id),
    ).toEqual(['e-w1-3']);
  });

  it('splices a corrected fact data as the JSON text it arrived as', () => {
    const corrected: RecordedEvent = {
      walletId: 'w1',
      lane: 0,
      version: 5,
      eventId: 'c1',
      recordedAtMs: 0,
      type: 'EventCorrected',
      data: {
        target: { eventId: 'f', lane: 0, version: 1, type: 'FactRecorded' },
        action: 'amend',
        reason: 'typo',
        fact: { occurredAtMs: 0, dataJson: '{"total":12.30}' },
      },
    };
    const event = toCloudEvent(corrected, options);
    expect(event?.type).toBe(CLOUD_EVENT_TYPES.eventCorrected);
    expect(event?.dataJson).toContain(
      '"fact":{"occurredAt":"1970-01-01T00:00:00.000Z","data":{"total":12.30}}',
    );
    expect(JSON.parse(must(event).dataJson).target).toEqual({
      eventId: 'f',
      lane: 0,
      version: 1,
      type: 'FactRecorded',
    });
  });

  it('carries traceparent when the stored event has one, as a CloudEvents extension', () => {
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const event = toCloudEvent({ ...deposited('w1', 1, 5n), traceparent }, options);
    expect(JSON.parse(cloudEventJson(must(event)))).toMatchObject({ traceparent, specversion: '1.0' });
    expect(
      JSON.parse(cloudEventJson(must(toCloudEvent(deposited('w1', 1, 5n), options)))),
    ).not.toHaveProperty('traceparent');
  });

  it('publishes CloudEvents that Tally itself would accept (structured JSON)', () => {
    for (const stored of [deposited('w1', 1, 99n), awarded('w1', 2, 3n)]) {
      const parsed = cloudEventSchema.safeParse(
        JSON.parse(cloudEventJson(must(toCloudEvent(stored, options)))),
      );
      expect(parsed.success).toBe(true);
    }
  });

  it('lets a registry entry decide the type and data (how decision events plug in)', () => {
    const registry = {
      ...DEFAULT_PUBLICATIONS,
      Deposited: { type: 'custom.type', data: () => '{"same":"as the API"}' },
    };
    const event = toCloudEvent(deposited('w1', 1, 1n), { ...options, registry });
    expect(event).toMatchObject({ type: 'custom.type', dataJson: '{"same":"as the API"}' });
  });
});
