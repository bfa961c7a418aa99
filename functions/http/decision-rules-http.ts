/**
 * The card decision rules' routes, as the points rules' (rules-read.ts): `GET /decision-rules`
 * (the active set, or `?version=N`), `GET /decision-rules/versions` (every published version,
 * paginated), `GET /decision-rules/versions/{version}` (one, with its text), and the checks a
 * `PUT /decision-rules` body passes before it is published. An empty set is allowed: the decider's
 * own checks (credit, currency) still decide.
 */
import {
  DEFAULT_DECISION_RULES_SOURCE,
  DEFAULT_DECISION_RULES_TEXT,
} from '#app/default-decision-rules-text.ts';
import type { RuleSetStore, StoredRuleSet } from '#ports/rule-sets.ts';
import type { HttpRequest } from './handler.ts';
import { badRequest, HttpProblem, jsonResult } from './problem.ts';
import { pageQuery } from './query.ts';
import { bodyText } from './request.ts';
import { ruleSetJson, ruleSetVersionJson } from './rules-json.ts';
import { invalidRules } from './rules-problem.ts';
import { versionNumber } from './rules-read.ts';

type Hash = (text: string) => string;

const SOURCE_PATTERN = /^[\w./@:-]{1,200}$/;

/** A decision rule set as the routes show it; none published yet is the built-in one (version 0). */
export const decisionRuleSetJson = (ruleSet: StoredRuleSet | undefined, hash: Hash) =>
  ruleSet === undefined
    ? {
        version: 0,
        builtIn: true,
        source: DEFAULT_DECISION_RULES_SOURCE,
        textHash: hash(DEFAULT_DECISION_RULES_TEXT),
        publishedAt: null,
        publishedBy: null,
        text: DEFAULT_DECISION_RULES_TEXT,
      }
    : ruleSetJson(ruleSet, hash);

const versionNotFound = (version: number) =>
  new HttpProblem({
    status: 404,
    code: 'rule-set-version-not-found',
    title: 'Not found',
    detail: `Decision rules version ${version} is not published.`,
  });

/**
 * The decision rules' compiler (the CEL engine, about 80 KB), loaded by the routes that compile —
 * listing versions (their rule counts) and publishing — never by reading the active set or one
 * version, the common calls. Never statically imported here.
 */
const compiler = () => import('#rules/decision-rules.ts');

const ruleCount = async (text: string): Promise<number | null> => {
  const compiled = (await compiler()).compileDecisionRules(text);
  return compiled.ok ? compiled.ruleSet.rules.length : null;
};

/** The same opaque cursor every listing gives out (functions/http/query.ts), lane 0. */
const encodeVersionCursor = (version: number): string =>
  Buffer.from(JSON.stringify({ lane: 0, version })).toString('base64url');

export async function getDecisionRules(request: HttpRequest, store: RuleSetStore, hash: Hash) {
  const route = request.event.routeKey;
  if (route === 'GET /decision-rules/versions') {
    const page = pageQuery(request.query);
    const found = await store.versions(page.from.version, page.limit + 1);
    const next = found[page.limit];
    return jsonResult(
      200,
      JSON.stringify({
        versions: await Promise.all(
          found
            .slice(0, page.limit)
            .map(async (stored) => ruleSetVersionJson(stored, await ruleCount(stored.text))),
        ),
        next: next === undefined ? null : encodeVersionCursor(next.version),
      }),
    );
  }
  const asked =
    route === 'GET /decision-rules/versions/{version}'
      ? versionNumber(request.param('version') ?? '', 'version')
      : request.query.version === undefined
        ? undefined
        : versionNumber(request.query.version, 'version');
  if (asked === undefined)
    return jsonResult(200, JSON.stringify(decisionRuleSetJson(await store.active(), hash)));
  // A version asked for is that version or a 404, never silently the active one.
  const stored = await store.version(asked);
  if (stored === undefined) throw versionNotFound(asked);
  return jsonResult(200, JSON.stringify(decisionRuleSetJson(stored, hash)));
}

/** A `PUT /decision-rules` body that may be published: its text and its source label. */
export async function publishableDecisionRules(
  request: HttpRequest,
): Promise<{ text: string; source: string }> {
  const text = bodyText(request.event);
  if (text.trim() === '') throw badRequest('missing-body', 'Send the decision rule file text as the body.');
  const source = request.query.source ?? 'api';
  if (!SOURCE_PATTERN.test(source))
    throw badRequest('invalid-source', 'source must be 1-200 of A-Z a-z 0-9 _ . / @ : -');
  const compiled = (await compiler()).compileDecisionRules(text);
  if (!compiled.ok) throw invalidRules(compiled.errors);
  return { text, source };
}
