import { canonicalJson, sha256Hex } from '#adapters/dynamodb/event-hash.ts';
import { ActiveRuleSets } from '#app/active-rules.ts';
import { HeadCache } from '#app/head-cache.ts';
import type { BusIngestDeps } from '#app/ingest-message.ts';
import { rebuildView } from '#domain/wallet-view.ts';
import type { DeadLetter, DeadLetterSink } from '#ports/dead-letters.ts';
import { InMemoryEventStore } from '../../support/in-memory-event-store.ts';
import { InMemoryRuleSetStore } from '../../support/in-memory-rule-set-store.ts';

/** 2026-11-22T10:00:00Z, the time of the `cloudEvent` fixture: no fixture event is from the future. */
export const T0 = Date.parse('2026-11-22T10:00:00Z');

/** A DLQ that keeps its letters; `failNext` makes the next sends fail (the DLQ unreachable). */
export class FakeDeadLetters implements DeadLetterSink {
  readonly letters: DeadLetter[] = [];
  failNext = 0;

  async send(letter: DeadLetter): Promise<void> {
    if (this.failNext > 0) {
      this.failNext--;
      throw Object.assign(new Error('SQS is unreachable'), { name: 'TimeoutError' });
    }
    this.letters.push(letter);
  }
}

export interface BusHarness {
  deps: BusIngestDeps;
  store: InMemoryEventStore;
  deadLetters: FakeDeadLetters;
  warnings: { message: string; extra: Record<string, unknown> }[];
  /** The wallet's view rebuilt from every event in the store. */
  view(walletId: string): Promise<ReturnType<typeof rebuildView>>;
}

/** The bus handlers' dependencies in memory: event store, rule sets (the shipped default), DLQ and log. */
export function busHarness(): BusHarness {
  const store = new InMemoryEventStore();
  const clock = { nowMs: () => T0 };
  let ids = 0;
  const deadLetters = new FakeDeadLetters();
  const warnings: BusHarness['warnings'] = [];
  const rules = new ActiveRuleSets(new InMemoryRuleSetStore(), clock, sha256Hex);
  const deps: BusIngestDeps = {
    ingest: {
      store,
      clock,
      ids: { newId: () => `evt-${++ids}` },
      heads: new HeadCache(),
      retry: { attemptsMax: 12, backoffBaseMs: 1, backoffCapMs: 1, sleep: async () => {}, random: () => 0.5 },
      rules,
      hash: sha256Hex,
      canonicalJson,
    },
    deadLetters,
    log: { warn: (message, extra) => warnings.push({ message, extra }) },
  };
  return {
    deps,
    store,
    deadLetters,
    warnings,
    view: async (walletId) => {
      const { threshold } = await rules.current();
      const events = store
        .storedEvents(walletId)
        .map(({ hash: _hash, prevHash: _prevHash, ...event }) => event);
      return rebuildView(walletId, events, threshold);
    },
  };
}

/** A valid CloudEvent in the structured JSON format. */
export const cloudEvent = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  specversion: '1.0',
  id: 'ce-1',
  source: 'qa-app',
  type: 'answer_is_liked',
  subject: 'w1',
  time: '2026-11-22T10:00:00Z',
  datacontenttype: 'application/json',
  data: { answerId: 'a-7' },
  ...overrides,
});
