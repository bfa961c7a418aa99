import type { RecordedEvent } from '#domain/wallet.ts';
import type { StreamHead } from '#ports/event-store.ts';
import { eventHash } from './event-hash.ts';

/**
 * What is wrong with one stored event of a lane's walk, or undefined. `prevHash` is the hash of
 * the event before it, undefined when the walk starts at `start` (a head verified before): that
 * event must still carry the verified hash, so rewriting and rehashing it shows even at the head.
 * Shared by every EventStore implementation, so all of them judge a chain the same way.
 */
export function chainProblem(
  event: RecordedEvent & { hash: string; prevHash: string },
  prevHash: string | undefined,
  start: StreamHead,
): string | undefined {
  if (prevHash === undefined) {
    if (event.hash !== start.hash) {
      return `the hash is not the one verified before (${start.hash.slice(0, 12)}…): the event was rewritten`;
    }
  } else if (event.prevHash !== prevHash) {
    return 'prevHash is not the hash of the event before it';
  }
  const { hash, prevHash: storedPrev, ...recorded } = event;
  if (eventHash(storedPrev, recorded) !== hash) {
    return 'the hash does not match the stored event (its content was changed)';
  }
  return undefined;
}
