/** Where an event sits in a wallet's log: its lane and its version in that lane (from 1). */
export interface EventPosition {
  lane: number;
  version: number;
}

/** One page of a listing and where the next starts (undefined after the last). */
export interface Page<T> {
  items: T[];
  next: EventPosition | undefined;
}

export interface PageRequest {
  limit: number;
  from: EventPosition;
}
