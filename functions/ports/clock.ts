/** Time and ids come into the core as arguments; the edges get them from here. */
export interface Clock {
  nowMs(): number;
}

export interface IdGenerator {
  newId(): string;
}

export const systemClock: Clock = { nowMs: () => Date.now() };
export const randomIds: IdGenerator = { newId: () => crypto.randomUUID() };
