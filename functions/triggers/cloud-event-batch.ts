import type { BusDecoded } from '#app/cloud-event-bus.ts';
import {
  type BusIngestDeps,
  deadLetter,
  ingestCandidate,
  ingestCandidates,
  type MessageOrigin,
  type MessageOutcome,
} from '#app/ingest-message.ts';

/**
 * One bus message's events (decoded by app/cloud-event-bus.ts or the MSK record decoder) → the
 * ingest core, one outcome per event, in order.
 *
 * A message that could not be read is one dead letter (its body as it arrived). A batch gives each
 * event its own outcome: an invalid event is dead-lettered alone, with the event itself as the
 * letter's body and `<originId>#<index>` as its origin, so it can be fixed and sent again alone;
 * the other events of the message still take effect. A binary-mode event that is dead-lettered
 * carries its structured JSON form, since the letter has no place for the `ce_` attributes.
 *
 * Events are taken one after another (a batch for one wallet keeps its order). A transient failure
 * throws: the message is delivered again, and the events that took effect the first time are
 * duplicates by CloudEvent id.
 */
export async function ingestBusEvents(
  bus: BusIngestDeps,
  decoded: BusDecoded,
  origin: MessageOrigin,
): Promise<MessageOutcome[]> {
  if (!decoded.ok) {
    const { code, reason, eventId } = decoded;
    return [await deadLetter(bus, origin, { code, reason, ...(eventId === undefined ? {} : { eventId }) })];
  }
  if (decoded.mode === 'structured') {
    return [await ingestCandidate(bus, decoded.events[0], origin)];
  }
  if (decoded.mode === 'binary') {
    const [event] = decoded.events;
    return [await ingestCandidate(bus, event, eventOrigin(origin, origin.originId, event))];
  }
  const outcomes: MessageOutcome[] = [];
  for (const [index, event] of decoded.events.entries()) {
    outcomes.push(
      await ingestCandidate(bus, event, eventOrigin(origin, `${origin.originId}#${index}`, event)),
    );
  }
  return outcomes;
}

/** What one message of a batch came to: its events' outcomes, or the error that has it delivered again. */
export type MessageSettled = { ok: true; outcomes: MessageOutcome[] } | { ok: false; error: unknown };

/**
 * The messages of a whole batch (an SQS batch of a standard queue) → the ingest core together
 * (app/ingest-batch.ts: as few transactions as fit, across wallets), each message's events as
 * ingestBusEvents would take them. A message fails, and is delivered again, when any of its
 * events failed for a passing reason; its events that took effect are duplicates by CloudEvent id
 * then, as when ingestBusEvents throws half-way. Nothing is answered before it is durable.
 */
export async function ingestBusBatch(
  bus: BusIngestDeps,
  messages: readonly { decoded: BusDecoded; origin: MessageOrigin }[],
): Promise<MessageSettled[]> {
  const results: MessageSettled[] = new Array(messages.length);
  const candidates: { candidate: unknown; origin: MessageOrigin; message: number }[] = [];
  for (const [message, { decoded, origin }] of messages.entries()) {
    if (!decoded.ok) {
      const { code, reason, eventId } = decoded;
      try {
        const letter = await deadLetter(bus, origin, {
          code,
          reason,
          ...(eventId === undefined ? {} : { eventId }),
        });
        results[message] = { ok: true, outcomes: [letter] };
      } catch (error) {
        results[message] = { ok: false, error };
      }
      continue;
    }
    results[message] = { ok: true, outcomes: [] };
    for (const [index, candidate] of decoded.events.entries()) {
      const from =
        decoded.mode === 'structured'
          ? origin
          : eventOrigin(
              origin,
              decoded.mode === 'binary' ? origin.originId : `${origin.originId}#${index}`,
              candidate,
            );
      candidates.push({ candidate, origin: from, message });
    }
  }
  const settled = await ingestCandidates(bus, candidates);
  for (const [index, { message }] of candidates.entries()) {
    const result = results[message];
    const one = settled[index];
    if (result === undefined || !result.ok) continue;
    results[message] =
      one === undefined || !one.ok
        ? { ok: false, error: one?.error ?? new Error('ingestBusBatch: no result') }
        : { ok: true, outcomes: [...result.outcomes, one.outcome] };
  }
  return results;
}

/** Where one event of a message came from: the message's origin, with the event's JSON as the body. */
function eventOrigin(origin: MessageOrigin, originId: string, event: unknown): MessageOrigin {
  return { origin: origin.origin, originId, body: JSON.stringify(event) ?? 'null' };
}
