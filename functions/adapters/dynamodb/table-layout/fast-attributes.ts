/**
 * The attribute checks of the item fast paths (event-item-fast.ts, view-item-fast.ts, event-data-specs.ts,
 * job-items.ts): what
 * attributes.ts's intText, numberAttr and bigintAttr accept, read without zod. `undefined` means
 * "not this", and the caller then leaves the item to its schema.
 */

const INT_TEXT = /^-?\d+$/;

/** numberAttr: a safe integer, as decimal text or a number. */
export function safeInt(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : undefined;
  if (typeof value !== 'string' || !INT_TEXT.test(value)) return undefined;
  const parsed = Number(value);
  return Number.isSafeInteger(parsed) ? parsed : undefined;
}

/** bigintAttr: any integer as decimal text, or a safe integer as a number. */
export function bigInt(value: unknown): bigint | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? BigInt(value) : undefined;
  return typeof value === 'string' && INT_TEXT.test(value) ? BigInt(value) : undefined;
}

export const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** z.object's input: an object, not null, not an array. */
export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
