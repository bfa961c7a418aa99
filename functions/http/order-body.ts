/**
 * `POST /orders`'s body, in a module of its own: a module-level schema with checks is kept in
 * every bundle that imports its module, and only the orders function (and the contract) parse it.
 */
import * as z from 'zod/mini';
import { amountField, expiresInSecondsField } from './trading-json.ts';

/** `POST /orders`'s body: the whole price (money), and how many points pay part of it. */
export const orderBody = z.strictObject({
  wallet: z.string(),
  merchant: z.string(),
  amount: amountField,
  points: amountField,
  currency: z.optional(z.string().check(z.regex(/^[A-Za-z]{3}$/, 'an ISO 4217 code'))),
  expiresInSeconds: expiresInSecondsField,
});
