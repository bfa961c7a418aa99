import * as z from 'zod/mini';
import { intText } from './attributes.ts';
import { LANES_SK, walletPk } from './keys.ts';
import { onFirstUse } from './on-first-use.ts';

/**
 * The lane registry: one LANES item per wallet holding the number set of the lanes opened besides
 * lane 0 (DynamoDB's ADD to a set, so writers opening different lanes commute).
 */

// Only a wallet with shard lanes has a registry item: its schema is built with the first one read.
const lanesItemSchema = /* @__PURE__ */ onFirstUse(() =>
  z.object({ lanes: z.optional(z.union([z.set(intText), z.array(intText)])) }),
);

/** Lane 0 plus the lanes registered in the LANES item, ascending. */
export function fromLanesItem(item: unknown): number[] {
  const parsed = item === undefined ? {} : lanesItemSchema().parse(item);
  const lanes = new Set<number>([0]);
  for (const lane of parsed.lanes ?? []) lanes.add(Number(lane));
  return [...lanes].sort((a, b) => a - b);
}

/**
 * The update that registers `lane` on its version 1: in the append's transaction, or just before
 * it (register-first.ts). ADD to a set commutes with other writers opening other lanes, and is a
 * no-op for a lane already there.
 */
export const registerLane = (walletId: string, lane: number) => ({
  Key: { pk: walletPk(walletId), sk: LANES_SK },
  UpdateExpression: 'ADD lanes :lane',
  ExpressionAttributeValues: { ':lane': new Set([lane]) },
});
