import type { Clock, IdGenerator } from '#ports/clock.ts';

/** The machine's clock. */
export const systemClock: Clock = { nowMs: () => Date.now() };

/** Random (v4) UUIDs from the platform's CSPRNG. */
export const randomIds: IdGenerator = { newId: () => crypto.randomUUID() };
