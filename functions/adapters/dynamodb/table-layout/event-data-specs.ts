import { FAST_DATA_KEYS, FAST_READERS } from './event-item-fast.ts';
import { bigInt, isRecord, safeInt, text } from './fast-attributes.ts';

/**
 * Readers of an event's `data` from a spec of its fields, for the event item's fast path
 * (event-item-fast.ts): the payment events (payment-event-fast.ts) and the card events
 * (card-event-fast.ts), each added by the functions that meet them at a cold start.
 */

/**
 * A `data` field as the schemas (payment-event-items.ts, card-event-items.ts) read it: text, a bigint, a safe integer, a
 * boolean, one of some texts, or an object of fields; a field marked optional may be absent (or
 * undefined: then left out, as the schema path leaves it).
 */
type Kind = 't' | 'b' | 'i' | 'f' | readonly string[] | Fields | ((value: unknown) => unknown);
export type Fields = readonly (readonly [name: string, kind: Kind, optional?: 1])[];

function field(value: unknown, kind: Kind): unknown {
  // A reader of the spec's own (card-event-fast.ts's texts): none in the webhook's bundle.
  if (typeof kind === 'function') return kind(value);
  if (kind === 't') return text(value);
  if (kind === 'b') return bigInt(value);
  if (kind === 'i') return safeInt(value);
  if (kind === 'f') return typeof value === 'boolean' ? value : undefined;
  if (typeof kind[0] === 'string')
    return (kind as readonly string[]).includes(value as string) ? value : undefined;
  return isRecord(value) ? fields(value, kind as Fields) : undefined;
}

/** `data` read by `spec`; undefined for a key it does not name or a field that does not check out. */
function fields(data: Record<string, unknown>, spec: Fields): Record<string, unknown> | undefined {
  for (const key in data) if (!spec.some(([name]) => name === key)) return undefined;
  const read: Record<string, unknown> = {};
  for (const [name, kind, optional] of spec) {
    const value = data[name];
    if (value === undefined && optional) continue;
    const checked = field(value, kind);
    if (checked === undefined) return undefined;
    read[name] = checked;
  }
  return read;
}

/** The spec tables added already: a composition may ask again per request (walletReadDeps, holdDeps). */
const added = new WeakSet<object>();

/** Adds these events to the event item's fast path (once is enough; again does nothing). */
export function readFast(specs: Record<string, Fields>): void {
  if (added.has(specs)) return;
  added.add(specs);
  for (const type in specs) {
    const spec = specs[type] as Fields;
    FAST_READERS[type] = (data) => fields(data, spec);
    FAST_DATA_KEYS[type] = new Set(spec.map(([name]) => name));
  }
}
