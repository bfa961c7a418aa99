import * as z from 'zod/mini';
import type { RuleSetVersions } from '#app/active-rules.ts';
import type { Candidate } from '#app/backtest.ts';
import { rfc3339Time } from '#app/rfc3339-time.ts';
import { WALLET_ID_PATTERN } from '#domain/wallet-id.ts';
import { problem } from './problems.ts';
import { invalidRules } from './rules-problem.ts';

/** Wallets one request may name; more (or none: every wallet) run as a job. */
export const BACKTEST_WALLETS_MAX = 100;

/** `POST /rules/backtest`'s body. */
export const backtestBody = z
  .strictObject({
    rules: z.optional(z.string().check(z.minLength(1, 'must not be empty'), z.maxLength(200_000))),
    ruleSetVersion: z.optional(z.int().check(z.gte(0))),
    /** The sha256 (hex) of the text the caller means by ruleSetVersion: refused when it is not that text. */
    textHash: z.optional(
      z.string().check(z.regex(/^[0-9a-f]{64}$/, 'must be a sha256 in lowercase hex (64 characters)')),
    ),
    walletIds: z.optional(
      z
        .array(z.string().check(z.regex(WALLET_ID_PATTERN, 'does not match the wallet id rule')))
        .check(
          z.minLength(1, 'must name at least one wallet (leave it out for every wallet)'),
          z.maxLength(
            BACKTEST_WALLETS_MAX,
            `names at most ${BACKTEST_WALLETS_MAX} wallets (leave it out for a job over every wallet)`,
          ),
        ),
    ),
    from: z.optional(rfc3339Time),
    to: z.optional(rfc3339Time),
    apply: z.optional(z.boolean()),
  })
  .check(
    z.superRefine((body, ctx) => {
      if ((body.rules === undefined) === (body.ruleSetVersion === undefined)) {
        ctx.addIssue({
          code: 'custom',
          path: ['rules'],
          message: 'send exactly one of rules (text) and ruleSetVersion',
        });
      }
      if (body.apply === true && body.ruleSetVersion === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['apply'],
          message:
            'apply needs ruleSetVersion: publish the rule set first (PUT /rules), so every adjustment names a stored version',
        });
      }
      if (body.textHash !== undefined && body.ruleSetVersion === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['textHash'],
          message: 'goes with ruleSetVersion: it says which text that version must be',
        });
      }
      if (body.from !== undefined && body.to !== undefined && Date.parse(body.from) >= Date.parse(body.to)) {
        ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' });
      }
    }),
  );

export type BacktestBody = z.infer<typeof backtestBody>;

/** The wallets a backtest names: those listed, or every wallet when none are. */
export function backtestReach(body: unknown): readonly string[] | 'every' {
  const listed =
    typeof body === 'object' && body !== null ? (body as { walletIds?: unknown }).walletIds : undefined;
  if (!Array.isArray(listed)) return 'every';
  return listed.map((walletId) => (typeof walletId === 'string' ? walletId : ''));
}

/**
 * The candidate: a published version (422 when it is not; 409 when `textHash` says another text),
 * or text compiled here (422 with its errors).
 */
export async function candidateOf(
  body: BacktestBody,
  ruleSets: RuleSetVersions,
  hash: (text: string) => string,
): Promise<Candidate> {
  if (body.ruleSetVersion !== undefined) {
    const ruleSet = await ruleSets.get(body.ruleSetVersion);
    if (ruleSet === undefined) {
      throw problem('rule-set-not-found', `Rule set version ${body.ruleSetVersion} is not published.`);
    }
    // The caller's file is not the text of the version it names: applying it would adjust by other rules.
    if (body.textHash !== undefined && body.textHash !== ruleSet.textHash) {
      throw problem(
        'rule-set-text-mismatch',
        `Rule set version ${body.ruleSetVersion} has the text hash ${ruleSet.textHash}, not ${body.textHash}; nothing was run. Publish the file first, or name the version whose text it is.`,
      );
    }
    return { ruleSet, version: body.ruleSetVersion };
  }
  // A candidate text is read with the full reader (YAML parser), loaded only for such a request.
  const { compileRuleSet } = await import('#rules/rule-set.ts');
  const compiled = compileRuleSet(body.rules ?? '', { hash, source: 'candidate' });
  if (!compiled.ok) throw invalidRules(compiled.errors);
  return { ruleSet: compiled.ruleSet, version: null };
}
