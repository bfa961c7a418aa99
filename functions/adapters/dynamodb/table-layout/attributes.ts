// zod/mini, not the classic API: these parsers run in almost every function, and classic zod's
// methods cannot be tree-shaken (about 100 KB minified against about 25 KB). Same core, same
// acceptance; the schemas the OpenAPI document is generated from stay classic (http/contract).
import * as z from 'zod/mini';

/** Integers as DynamoDB gives them back: decimal text (the document client's wrapNumbers) or a number. */
export const intText = z.union([z.string().check(z.regex(/^-?\d+$/)), z.int()]);
/** A DynamoDB number holding money or points: exact, as a bigint. */
export const bigintAttr = z.pipe(
  intText,
  z.transform((value) => BigInt(value)),
);
/** A DynamoDB number (read back as decimal text) that must be a safe integer. */
export const numberAttr = z.pipe(
  intText,
  z.transform((value, ctx) => {
    const parsed = Number(value);
    if (!Number.isSafeInteger(parsed)) {
      ctx.issues.push({ code: 'custom', message: 'not a safe integer', input: value });
      return z.NEVER;
    }
    return parsed;
  }),
);
