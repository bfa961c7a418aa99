/**
 * A backtest that sees parked facts: CloudEvents dead-lettered because a rule failed on them
 * (`rule-failed`) were never stored, so the stored-fact backtest cannot see them. Here each one is
 * evaluated with the candidate rule set, as ingest would evaluate it when redriven: what it would
 * award, or that the candidate still fails on it. Pure: the letters come in (GET /dead-letters),
 * the answer goes out; the redrive (`tally dlq redrive`) records them under the active rules.
 */
import type { CompiledRuleSet } from '#rules/types.ts';
import { isRuleEvaluationError } from '#rules/types.ts';
import { cloudEventSchema, DEPOSIT_EVENT_TYPE } from './cloud-event.ts';

/** A parked message as GET /dead-letters lists it (the fields read here). */
export interface ParkedLetter {
  id: string;
  code?: string | null;
  body: string;
}

export interface ParkedFactBacktest {
  /** The dead letter's id: what `tally dlq show|redrive` names. */
  letterId: string;
  eventId: string;
  source: string;
  type: string;
  walletId: string;
  /** Points the candidate gives the fact; 0 when it still fails. */
  candidatePoints: bigint;
  /** Set when a candidate rule fails on it too: redriving it would park it again. */
  ruleError?: string;
}

/** Which parked facts to look at: the backtest's own scope (wallets, event-time range). */
export interface ParkedScope {
  walletIds?: readonly string[];
  fromMs?: number;
  toMs?: number;
}

/**
 * The parked facts in scope, each through `ruleSet`. Letters parked for another reason (an
 * invalid event, a reused id) are left out: no rule set changes their fate.
 */
export function backtestParked(
  letters: readonly ParkedLetter[],
  ruleSet: CompiledRuleSet,
  scope: ParkedScope,
  /** What an event without a time is evaluated at (ingest uses its arrival; this is the closest). */
  nowMs: number,
): ParkedFactBacktest[] {
  const results: ParkedFactBacktest[] = [];
  for (const letter of letters) {
    if (letter.code !== 'rule-failed') continue;
    let json: unknown;
    try {
      json = JSON.parse(letter.body);
    } catch {
      continue;
    }
    const parsed = cloudEventSchema.safeParse(json);
    if (!parsed.success || parsed.data.type === DEPOSIT_EVENT_TYPE) continue;
    const event = parsed.data;
    if (scope.walletIds !== undefined && !scope.walletIds.includes(event.subject)) continue;
    const atMs = event.time === undefined ? undefined : Date.parse(event.time);
    if (atMs !== undefined && scope.fromMs !== undefined && atMs < scope.fromMs) continue;
    if (atMs !== undefined && scope.toMs !== undefined && atMs >= scope.toMs) continue;
    const base = {
      letterId: letter.id,
      eventId: event.id,
      source: event.source,
      type: event.type,
      walletId: event.subject,
    };
    try {
      const awards = ruleSet.evaluate({
        id: event.id,
        source: event.source,
        type: event.type,
        subject: event.subject,
        time: event.time ?? new Date(nowMs).toISOString(),
        data: event.data,
      });
      results.push({ ...base, candidatePoints: awards.reduce((sum, award) => sum + award.points, 0n) });
    } catch (error) {
      if (!isRuleEvaluationError(error)) throw error;
      results.push({ ...base, candidatePoints: 0n, ruleError: error.message });
    }
  }
  return results;
}
