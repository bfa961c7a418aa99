import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';

// A pass-through spy: the real zod/mini, its objects counted (the schemas are built on first use).
vi.mock('zod/mini', async (importOriginal) => {
  const original = await importOriginal<typeof import('zod/mini')>();
  return { ...original, object: vi.fn(original.object) };
});
const z = await import('zod/mini');
const { mskEventSchema, mskRecordSchema, parseMskEvent, recordsByPartition } = await import(
  '#adapters/kafka/msk-record.ts'
);
const { junk } = await import('../../support/junk-values.ts');

/**
 * ingest-kafka reads the MSK event and its records field by field where they are as the event
 * source delivers them, not through zod (their first parse cost a cold start ~2-3 ms CPU): what
 * the fast reads give must be what the schemas give, for records as delivered and for records
 * edited in any one attribute or one header byte.
 */

const bytes = fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 4 });
const header = fc.dictionary(fc.constantFrom('content-type', 'ce_id', '__proto__', 'x'), bytes, {
  maxKeys: 3,
});
const record = fc.record(
  {
    topic: fc.string(),
    partition: fc.nat(),
    offset: fc.nat(),
    timestamp: fc.nat(),
    timestampType: fc.constantFrom('CREATE_TIME', 'LOG_APPEND_TIME'),
    key: fc.option(fc.base64String(), { nil: null }),
    value: fc.option(fc.base64String(), { nil: null }),
    headers: fc.option(fc.array(header, { maxLength: 3 }), { nil: null }),
    extra: fc.string(),
  },
  { requiredKeys: ['topic', 'partition', 'offset'] },
);

/** What a parse gives: the record, or that it refused. */
const schemaRead = (raw: unknown) => {
  const parsed = mskRecordSchema().safeParse(raw);
  return parsed.success ? { ok: true, record: parsed.data } : { ok: false };
};
const fastRead = (raw: unknown) => {
  const [entry] = recordsByPartition({ p: [raw] })[0]?.records ?? [];
  return entry?.ok ? { ok: true, record: entry.record } : { ok: false };
};

describe('the MSK event and records read without zod', () => {
  it('build no schema for an event and records as delivered', () => {
    expect(z.object).not.toHaveBeenCalled();
    const raw = {
      topic: 't',
      partition: 0,
      offset: 7,
      timestamp: 1,
      timestampType: 'CREATE_TIME',
      key: null,
      value: 'e30=',
      headers: [{ 'content-type': [97] }],
    };
    const event = { eventSource: 'aws:kafka', eventSourceArn: 'arn', records: { 't-0': [raw] } };
    expect(parseMskEvent(event)).toStrictEqual({ success: true, data: event });
    expect(recordsByPartition(event.records)).toStrictEqual([
      { partition: 't-0', records: [{ ok: true, record: raw }] },
    ]);
    expect(z.object).not.toHaveBeenCalled();
    // Not an MSK event: the schema (built now) says so.
    expect(parseMskEvent({ Records: [] })).toStrictEqual({ success: false });
    expect(z.object).toHaveBeenCalled();
  });

  it('read a record as its schema does, as delivered or with one attribute or header byte edited', () => {
    const name = fc.constantFrom(
      'topic',
      'partition',
      'offset',
      'timestamp',
      'timestampType',
      'key',
      'value',
      'headers',
      'x',
    );
    fc.assert(
      fc.property(
        record,
        fc.nat(3),
        name,
        junk,
        fc.constantFrom(-1, 0, 255, 256, 1.5, 2 ** 53),
        (raw, edit, key, value, byte) => {
          const read: Record<string, unknown> = { ...raw };
          if (edit === 1) read[key] = value;
          if (edit === 2) read.headers = [...(raw.headers ?? []), { h: [byte, value] }, { h: [byte] }];
          if (edit === 3) read.headers = [{ h: value }];
          expect(fastRead(read)).toStrictEqual(schemaRead(read));
        },
      ),
      { numRuns: 3_000 },
    );
  });

  it('read an event as its schema does, as delivered or with one attribute edited', () => {
    const event = fc.record(
      {
        eventSource: fc.constant('aws:kafka'),
        eventSourceArn: fc.string(),
        bootstrapServers: fc.string(),
        records: fc.dictionary(fc.constantFrom('t-0', 't-1', '__proto__'), fc.array(junk, { maxLength: 2 })),
      },
      { requiredKeys: ['eventSource', 'records'] },
    );
    const name = fc.constantFrom('eventSource', 'eventSourceArn', 'bootstrapServers', 'records', 'x');
    fc.assert(
      fc.property(event, fc.boolean(), name, junk, (stored, edit, key, value) => {
        const read: Record<string, unknown> = edit ? { ...stored, [key]: value } : stored;
        const parsed = mskEventSchema().safeParse(read);
        expect(parseMskEvent(read)).toStrictEqual(
          parsed.success ? { success: true, data: parsed.data } : { success: false },
        );
      }),
      { numRuns: 2_000 },
    );
  });
});
