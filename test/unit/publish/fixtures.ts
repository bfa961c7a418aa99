import type { RecordedEvent } from '#domain/wallet.ts';
import type { EventBus, PublishedEvent, PublishFailure } from '#ports/event-bus.ts';

const base = { lane: 0, recordedAtMs: Date.UTC(2026, 11, 6, 3, 0, 0) };

export function deposited(
  walletId: string,
  version: number,
  amountMinor: bigint,
  eventId = `e-${walletId}-${version}`,
) {
  return {
    ...base,
    walletId,
    version,
    eventId,
    type: 'Deposited',
    data: { amountMinor, occurredAtMs: Date.UTC(2026, 11, 5, 10, 0, 0) },
  } satisfies RecordedEvent;
}

export function awarded(walletId: string, version: number, points: bigint): RecordedEvent {
  return {
    ...base,
    walletId,
    version,
    eventId: `e-${walletId}-${version}`,
    type: 'PointsAwarded',
    data: { points, factId: 'f1', ruleId: 'r1', ruleSetVersion: 3, ruleTextHash: 'h' },
  };
}

export function factRecorded(walletId: string, version: number): RecordedEvent {
  return {
    ...base,
    walletId,
    version,
    eventId: `e-${walletId}-${version}`,
    type: 'FactRecorded',
    data: {
      factId: 'f1',
      source: 'shop',
      factType: 'order.paid',
      occurredAtMs: 0,
      dataJson: '{"total":12.30}',
    },
  };
}

export const published = (id: string, subject = 'w1', dataJson = '{}'): PublishedEvent => ({
  specversion: '1.0',
  id,
  source: 'tally/test',
  type: 'tally.wallet.deposited',
  subject,
  time: '2026-12-06T03:00:00.000Z',
  datacontenttype: 'application/json',
  dataJson,
});

/** A bus that records what it is given and fails the ids it is told to. */
export class RecordingBus implements EventBus {
  readonly calls: PublishedEvent[][] = [];
  failing = new Map<string, Omit<PublishFailure, 'id'>>();

  async publish(events: readonly PublishedEvent[]) {
    this.calls.push([...events]);
    return {
      failed: events.flatMap((event) => {
        const failure = this.failing.get(event.id);
        return failure === undefined ? [] : [{ id: event.id, ...failure }];
      }),
    };
  }

  get ids(): string[] {
    return this.calls.flat().map((event) => event.id);
  }
}

/** The value, or a failed test when there is none. */
export function must<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('expected a value');
  return value;
}
