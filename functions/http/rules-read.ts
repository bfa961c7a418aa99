import type { RuleSetStore, StoredRuleSet } from '#ports/rule-sets.ts';
import { formFromJson } from '#rules/stored-form.ts';
import type { HttpRequest } from './handler.ts';
import { badRequest, HttpProblem, jsonResult } from './problem.ts';
import { pageQuery } from './query.ts';
import { bodyText } from './request.ts';
import { ruleSetJson, ruleSetVersionJson } from './rules-json.ts';
import { invalidRules } from './rules-problem.ts';

/**
 * The rule routes' reading half (`GET /rules`, `/rules/versions`, `/rules/versions/{version}`) and
 * the checks a `PUT /rules` body passes before it is published.
 */
type Hash = (text: string) => string;

/** What a rule set's `source` label may hold. */
const SOURCE_PATTERN = /^[\w./@:-]{1,200}$/;

/** A version number from the path or the query: 400 unless it is a whole number from 1 up. */
export function versionNumber(text: string, name: string): number {
  const version = Number(text);
  if (!/^\d{1,8}$/.test(text) || version < 1) {
    throw badRequest('invalid-version', `${name} must be a published version number (1, 2, …).`);
  }
  return version;
}

const versionNotFound = (version: number) =>
  new HttpProblem({
    status: 404,
    code: 'rule-set-version-not-found',
    title: 'Not found',
    detail: `Rule set version ${version} is not published.`,
  });

/**
 * The full reader of a rule set text (with the YAML parser), loaded when a route needs it: a
 * publish, or listing versions stored before their form was kept. Never statically imported here:
 * the decision rules' routes share this module and never read YAML.
 */
const textReader = () => import('#rules/rule-set.ts');

/**
 * The compiler of a stored form (the CEL engine, about 80 KB), loaded by the routes that compile:
 * listing versions (their rule counts), checking and publishing — not by reading the active set
 * or one version, the common calls.
 */
const formCompiler = () => import('#rules/compile-form.ts');

/** How many rules a stored rule set has (it compiled when it was published); null if it no longer does. */
async function ruleCount(stored: StoredRuleSet, hash: Hash): Promise<number | null> {
  const form = stored.form === undefined ? undefined : formFromJson(stored.form);
  const compiled =
    form === undefined
      ? (await textReader()).compileRuleSet(stored.text, { hash })
      : (await formCompiler()).compileForm(form, stored.text, { hash });
  return compiled.ok ? compiled.ruleSet.rules.length : null;
}

export async function getRules(request: HttpRequest, ruleSets: RuleSetStore, hash: Hash) {
  const route = request.event.routeKey;
  if (route === 'GET /rules/versions') {
    const page = pageQuery(request.query);
    // One more than asked says whether there is a next page.
    const found = await ruleSets.versions(page.from.version, page.limit + 1);
    const shown = found.slice(0, page.limit);
    const next = found[page.limit];
    return jsonResult(
      200,
      JSON.stringify({
        versions: await Promise.all(
          shown.map(async (ruleSet) => ruleSetVersionJson(ruleSet, await ruleCount(ruleSet, hash))),
        ),
        next: next === undefined ? null : encodeVersionCursor(next.version),
      }),
    );
  }
  const asked =
    route === 'GET /rules/versions/{version}'
      ? versionNumber(request.param('version') ?? '', 'version')
      : request.query.version === undefined
        ? undefined
        : versionNumber(request.query.version, 'version');
  if (asked === undefined) return jsonResult(200, JSON.stringify(ruleSetJson(await ruleSets.active(), hash)));
  // A version asked for is that version or a 404, never silently the active one.
  const stored = await ruleSets.version(asked);
  if (stored === undefined) throw versionNotFound(asked);
  return jsonResult(200, JSON.stringify(ruleSetJson(stored, hash)));
}

/** The same opaque cursor every listing gives out (functions/http/query.ts), lane 0. */
const encodeVersionCursor = (version: number): string =>
  Buffer.from(JSON.stringify({ lane: 0, version })).toString('base64url');

/** A `PUT /rules` body that may be published: its text, its source label, and the compiled set. */
export async function publishable(request: HttpRequest, hash: Hash) {
  const text = bodyText(request.event);
  if (text.trim() === '') throw badRequest('missing-body', 'Send the rule file text as the body.');
  const source = request.query.source ?? 'api';
  if (!SOURCE_PATTERN.test(source))
    throw badRequest('invalid-source', 'source must be 1-200 of A-Z a-z 0-9 _ . / @ : -');
  const allowEmpty = request.query.allowEmpty;
  if (allowEmpty !== undefined && allowEmpty !== 'true' && allowEmpty !== 'false')
    throw badRequest('invalid-allow-empty', 'allowEmpty must be true or false.');
  const { compileRuleSet, storedFormOf } = await textReader();
  const compiled = compileRuleSet(text, { hash, source });
  if (!compiled.ok) throw invalidRules(compiled.errors);
  if (compiled.ruleSet.rules.length === 0 && allowEmpty !== 'true') {
    // `curl -d @file` strips newlines, so a whole file can arrive as one comment line.
    throw new HttpProblem({
      status: 422,
      code: 'empty-rules',
      title: 'Empty rule set',
      detail:
        'The rule set has no rules, so nothing would earn points. Send the file with --data-binary (curl -d strips newlines), or add ?allowEmpty=true to publish it anyway.',
    });
  }
  // The stored form goes beside the text: readers compile it without the YAML parser.
  return { text, source, form: storedFormOf(text) };
}
