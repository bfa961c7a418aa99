import * as z from 'zod';

/** Integers as DynamoDB gives them back: decimal text (the document client's wrapNumbers) or a number. */
export const intText = z.union([z.string().regex(/^-?\d+$/), z.number().int()]);
/** A DynamoDB number holding money or points: exact, as a bigint. */
export const bigintAttr = intText.transform((value) => BigInt(value));
/** A DynamoDB number (read back as decimal text) that must be a safe integer. */
export const numberAttr = intText.transform((value, ctx) => {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed)) {
    ctx.addIssue({ code: 'custom', message: 'not a safe integer' });
    return z.NEVER;
  }
  return parsed;
});
