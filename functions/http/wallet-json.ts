import type { Award, ExplainedAward, Fact } from '#app/queries/points.ts';
import { formatMinor } from '#domain/money.ts';
import { aboveThreshold, type WalletView } from '#domain/wallet-view.ts';

/**
 * Response bodies of the wallet read routes. Amounts are written as exact JSON numbers from
 * minor units, so the JSON is built as text where an amount appears.
 */

/** `GET /details/{wallet_id}`: the original wallet service's JSON, exactly. */
export const detailsJson = (walletId: string, view: WalletView): string =>
  `{"WalletID":${JSON.stringify(walletId)},"Balance":${formatMinor(view.balanceMinor)},"AboveThreshold":${aboveThreshold(view)}}`;

/** `GET /wallets/{wallet_id}` (and `?asOf=` effective time, `?knownAt=` record time). */
export function walletJson(
  walletId: string,
  view: WalletView,
  at: { asOf?: string | undefined; knownAt?: string | undefined } = {},
): string {
  const { asOf, knownAt } = at;
  return (
    `{"walletId":${JSON.stringify(walletId)},"balance":${formatMinor(view.balanceMinor)},"points":${view.points.toString()},` +
    `"aboveThreshold":${aboveThreshold(view)},"version":${view.eventCount},` +
    `"updatedAt":${JSON.stringify(new Date(view.updatedAtMs).toISOString())}` +
    `${asOf === undefined ? '' : `,"asOf":${JSON.stringify(asOf)}`}` +
    `${knownAt === undefined ? '' : `,"knownAt":${JSON.stringify(knownAt)}`},"assets":${assetsJson(view)}` +
    `${breachJson(view)}}`
  );
}

/**
 * Once the flag is set: the window that first exceeded the threshold and the deposits in it (at most
 * BREACH_DEPOSITS_LISTED, oldest first; `depositCount` counts them all), so an operator sees why.
 */
function breachJson(view: WalletView): string {
  const breach = view.threshold.breach;
  if (breach === null) return '';
  const iso = (ms: number) => JSON.stringify(new Date(ms).toISOString());
  const deposits = breach.deposits.map(
    (deposit) =>
      `{"time":${iso(deposit.atMs)},"amount":${formatMinor(deposit.amountMinor)},"lane":${deposit.lane},"version":${deposit.version}}`,
  );
  return (
    `,"breach":{"at":${iso(breach.atMs)},"windowStart":${iso(breach.windowStartMs)},` +
    `"sum":${formatMinor(breach.sumMinor)},"depositCount":${breach.depositCount},"deposits":[${deposits.join(',')}]}`
  );
}

/** Per asset: balance, held and available (balance − held); money as exact decimals. */
function assetsJson(view: WalletView): string {
  const asset = (balance: bigint, held: bigint, format: (value: bigint) => string) =>
    `{"balance":${format(balance)},"held":${format(held)},"available":${format(balance - held)}}`;
  return (
    `{"money":${asset(view.balanceMinor, view.moneyHeldMinor, (minor) => formatMinor(minor))},` +
    `"points":${asset(view.points, view.pointsHeld, (points) => points.toString())}}`
  );
}

/** An award with what explains it: the rule (id, version, text hash) and the fact that earned it. */
function explain(award: Award, fact: Fact | undefined) {
  return {
    points: Number(award.data.points),
    ruleId: award.data.ruleId,
    ruleSetVersion: award.data.ruleSetVersion,
    ruleTextHash: award.data.ruleTextHash,
    factId: award.data.factId,
    factType: fact?.data.factType ?? null,
    factSource: fact?.data.source ?? null,
    factTime: fact ? new Date(fact.data.occurredAtMs).toISOString() : null,
    recordedAt: new Date(award.recordedAtMs).toISOString(),
    eventId: award.eventId,
    lane: award.lane,
    version: award.version,
  };
}

/** `GET /wallets/{wallet_id}/points`: the awards of a page, each explained. */
export const awardsJson = (awards: readonly ExplainedAward[]) =>
  awards.map(({ award, fact, adjustment }) => ({
    ...explain(award, fact),
    ...(adjustment === undefined ? {} : { adjustment }),
  }));
