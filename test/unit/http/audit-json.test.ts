import { describe, expect, it } from 'vitest';
import type { RecordedEvent } from '#domain/wallet.ts';
import { auditEventJson } from '#http/audit-json.ts';

describe('the audit trail JSON of an offer hold', () => {
  it("shows the offer's price as JSON (a bigint in the event), so a seller's trail is readable", () => {
    const event = {
      walletId: 'seller1',
      lane: 0,
      version: 3,
      eventId: 'e3',
      recordedAtMs: Date.parse('2026-12-06T09:00:00Z'),
      type: 'HoldPlaced',
      data: {
        holdId: 'h1',
        asset: 'points',
        amount: 200n,
        expiresAtMs: Date.parse('2026-12-06T10:00:00Z'),
        occurredAtMs: Date.parse('2026-12-06T09:00:00Z'),
        offer: { price: { asset: 'money', amount: 500n } },
      },
    } as RecordedEvent;
    const json = JSON.parse(JSON.stringify(auditEventJson(event, new Map(), false)));
    expect(json.data).toMatchObject({
      holdId: 'h1',
      amount: 200,
      offer: { price: { asset: 'money', amount: '5' } },
    });
  });
});
