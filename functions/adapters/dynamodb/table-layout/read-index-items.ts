import * as z from 'zod/mini';
import type { AwardRange, CorrectionLink } from '#ports/read-indexes.ts';
import { numberAttr } from './attributes.ts';
import { lanePk, VERSION_DIGITS, walletPk } from './keys.ts';
import { onFirstUse } from './on-first-use.ts';

/**
 * The read indexes (ports/read-indexes.ts). None of their sort keys starts with EVENT#, so event
 * queries and the stream filter do not see them.
 *
 * | item         | pk                                   | sk                                                   |
 * |--------------|--------------------------------------|------------------------------------------------------|
 * | award range  | the lane's own (WALLET#<id>[#<lane>]) | AWARDS#<lane, 2 digits>#<toVersion, 12 digits>       |
 * | correction   | WALLET#<id> (corrections are lane 0) | CORRECTED#<target lane>#<target version>#<correction version> |
 * | marker       | the first event item (lane 0, v1), attribute `indexed`; before: WALLET#<id> INDEXED |
 *
 * An award range is keyed by its last version so that a page starting at version v is the range
 * query `sk >= AWARDS#<lane>#<v>`: the first range it finds is the one holding v, or the next.
 * Award ranges of a shard lane live in that lane's partition, so a hot wallet's awards spread as
 * its events do.
 */
const pad = (version: number) => String(version).padStart(VERSION_DIGITS, '0');
const lane2 = (lane: number) => String(lane).padStart(2, '0');

export const awardsSkPrefix = (lane: number): string => `AWARDS#${lane2(lane)}#`;
export const awardsSk = (lane: number, toVersion: number): string =>
  `${awardsSkPrefix(lane)}${pad(toVersion)}`;
export const correctedSkPrefix = (lane: number): string => `CORRECTED#${lane2(lane)}#`;
export const correctedSk = (lane: number, targetVersion: number, correctionVersion?: number): string =>
  `${correctedSkPrefix(lane)}${pad(targetVersion)}#${correctionVersion === undefined ? '' : pad(correctionVersion)}`;
/** The marker item of wallets begun while it was an item (read only; see INDEXED_ATTRIBUTE). */
export const INDEXED_SK = 'INDEXED';
/** The marker now: an attribute of the wallet's first event item (lane 0, version 1). */
export const INDEXED_ATTRIBUTE = 'indexed';

// Read by the queries and corrections, not by the writers that load this module for its keys and
// item shapes: built on first use (./on-first-use.ts).
const awardRangeSchema = /* @__PURE__ */ onFirstUse(() =>
  z.object({
    lane: numberAttr,
    fromVersion: numberAttr,
    toVersion: numberAttr,
    facts: z.optional(z.array(z.object({ factId: z.string(), lane: numberAttr, version: numberAttr }))),
  }),
);
const correctionSchema = /* @__PURE__ */ onFirstUse(() =>
  z.object({
    targetLane: numberAttr,
    targetVersion: numberAttr,
    correctionVersion: numberAttr,
    correctionId: z.string(),
  }),
);

export const toAwardRangeItem = (walletId: string, range: AwardRange) => ({
  pk: lanePk(walletId, range.lane),
  sk: awardsSk(range.lane, range.toVersion),
  kind: 'award-range',
  lane: range.lane,
  fromVersion: range.fromVersion,
  toVersion: range.toVersion,
  ...(range.facts.length > 0 ? { facts: range.facts } : {}),
});

export function fromAwardRangeItem(item: unknown): AwardRange {
  const parsed = awardRangeSchema().parse(item);
  return { ...parsed, facts: parsed.facts ?? [] };
}

export const toCorrectionItem = (walletId: string, link: CorrectionLink) => ({
  pk: walletPk(walletId),
  sk: correctedSk(link.target.lane, link.target.version, link.correctionVersion),
  kind: 'correction-link',
  targetLane: link.target.lane,
  targetVersion: link.target.version,
  correctionVersion: link.correctionVersion,
  correctionId: link.correctionId,
});

export function fromCorrectionItem(item: unknown): CorrectionLink {
  const parsed = correctionSchema().parse(item);
  return {
    target: { lane: parsed.targetLane, version: parsed.targetVersion },
    correctionVersion: parsed.correctionVersion,
    correctionId: parsed.correctionId,
  };
}

export const toIndexedItem = (walletId: string) => ({
  pk: walletPk(walletId),
  sk: INDEXED_SK,
  kind: 'indexed',
});
