import type { BusDecoded } from '#app/cloud-event-bus.ts';
import {
  type BusIngestDeps,
  deadLetter,
  ingestCandidate,
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

/** Where one event of a message came from: the message's origin, with the event's JSON as the body. */
function eventOrigin(origin: MessageOrigin, originId: string, event: unknown): MessageOrigin {
  return { origin: origin.origin, originId, body: JSON.stringify(event) ?? 'null' };
}
