/**
 * `tally decision-rules check|publish|show|versions`: the card decision rules' CLI, through the
 * same admin routes helper as `tally rules` (admin-http.ts): the file is compiled here with the
 * compiler the API uses, then PUT to `/decision-rules`; reads go to `GET /decision-rules[...]`.
 */
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { compileDecisionRules } from '#rules/decision-rules.ts';
import { formatRuleError } from '#rules/types.ts';
import { adminRequest, adminTarget, objectBody } from './admin-http.ts';
import {
  CliFailure,
  type Command,
  EXIT_FAILED,
  EXIT_OK,
  type Io,
  stringValue,
  UsageError,
  type Values,
} from './command.ts';
import { resolveRuleFile } from './rules-file.ts';
import { cell, formatTable } from './table.ts';

interface DecisionRuleFile {
  shown: string;
  text: string;
  /** `file:line:column: message` per error; empty when it compiles. */
  errors: string[];
  ruleIds: string[];
}

async function loadDecisionRuleFile(target: string, cwd: string): Promise<DecisionRuleFile> {
  const file = await resolveRuleFile(target, cwd);
  const shown = path.relative(cwd, file) || file;
  const text = await readFile(file, 'utf8');
  const compiled = compileDecisionRules(text);
  return compiled.ok
    ? { shown, text, errors: [], ruleIds: compiled.ruleSet.rules.map((rule) => rule.id) }
    : { shown, text, errors: compiled.errors.map((error) => formatRuleError(error, shown)), ruleIds: [] };
}

/** Every file compiled; each error printed as file:line:column: message. */
async function check(targets: string[], io: Io): Promise<number> {
  let failed = 0;
  for (const target of targets) {
    const loaded = await loadDecisionRuleFile(target, io.cwd);
    if (loaded.errors.length > 0) {
      failed++;
      for (const line of loaded.errors) io.err(line);
    } else {
      io.out(
        `${loaded.shown}: ok — ${loaded.ruleIds.length} rule(s): ${loaded.ruleIds.join(', ') || 'none'}`,
      );
    }
  }
  return failed === 0 ? EXIT_OK : EXIT_FAILED;
}

/**
 * PUT the file's text, as is, as the next version. An empty set is allowed (the API allows it: the
 * credit and currency checks still decide), so there is no --allow-empty here.
 */
async function publish(target: string, values: Values, io: Io): Promise<number> {
  const loaded = await loadDecisionRuleFile(target, io.cwd);
  if (loaded.errors.length > 0) {
    for (const line of loaded.errors) io.err(line);
    return EXIT_FAILED;
  }
  const api = adminTarget(values, io.env);
  const answer = await adminRequest(
    io,
    api,
    'PUT',
    `/decision-rules?source=${encodeURIComponent(loaded.shown)}`,
    loaded.text,
    { source: loaded.shown, text: true },
  );
  const version = objectBody(answer, 'a decision rule set').version;
  io.out(
    `${loaded.shown}: ${answer.status === 201 ? 'published as' : 'already active as'} version ${String(version)} on ${api.base}`,
  );
  return EXIT_OK;
}

function versionOption(values: Values): number | undefined {
  const raw = stringValue(values, 'version');
  if (raw === undefined) return undefined;
  if (!/^\d{1,9}$/.test(raw)) throw new UsageError(`--version must be a version number, got "${raw}"`);
  return Number(raw);
}

/** The active set (or one version): a header line, then its text as published. */
async function show(values: Values, io: Io): Promise<number> {
  const version = versionOption(values);
  const api = adminTarget(values, io.env);
  const route = version === undefined ? '/decision-rules' : `/decision-rules/versions/${version}`;
  const body = objectBody(await adminRequest(io, api, 'GET', route), 'a decision rule set');
  if (values.json === true) {
    io.out(JSON.stringify(body));
    return EXIT_OK;
  }
  const who =
    body.builtIn === true ? 'built in' : `published ${cell(body.publishedAt)} by ${cell(body.publishedBy)}`;
  io.out(
    `# decision rules version ${cell(body.version)} (${cell(body.source)}, ${who}, sha256 ${cell(body.textHash)})`,
  );
  io.out(String(body.text ?? ''));
  return EXIT_OK;
}

/** Every published version, oldest first, all pages. */
async function versions(values: Values, io: Io): Promise<number> {
  const api = adminTarget(values, io.env);
  const all: Record<string, unknown>[] = [];
  let cursor: string | undefined;
  do {
    const query = `?limit=100${cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
    const page = objectBody(
      await adminRequest(io, api, 'GET', `/decision-rules/versions${query}`),
      'versions',
    );
    if (!Array.isArray(page.versions)) throw new CliFailure(`tally: ${api.base} answered no versions`);
    all.push(...(page.versions as Record<string, unknown>[]));
    cursor = typeof page.next === 'string' ? page.next : undefined;
  } while (cursor !== undefined);
  if (values.json === true) {
    for (const version of all) io.out(JSON.stringify(version));
    return EXIT_OK;
  }
  if (all.length === 0) {
    io.out('No decision rules published: version 0 (built in) is in force.');
    return EXIT_OK;
  }
  const rows = all.map((v) => [
    cell(v.version),
    cell(v.publishedAt),
    cell(v.publishedBy),
    cell(v.source),
    cell(v.rules),
    String(v.textHash ?? '').slice(0, 12),
  ]);
  io.out(formatTable(['version', 'publishedAt', 'publishedBy', 'source', 'rules', 'sha256'], rows));
  return EXIT_OK;
}

async function runDecisionRules(values: Values, positionals: string[], io: Io): Promise<number> {
  const [action, ...targets] = positionals;
  switch (action) {
    case 'check':
      if (targets.length === 0) throw new UsageError('check needs one or more files');
      return check(targets, io);
    case 'publish':
      if (targets.length !== 1) throw new UsageError('publish takes one file');
      return publish(targets[0] as string, values, io);
    case 'show':
    case 'versions':
      if (targets.length > 0) throw new UsageError(`${action} takes no file`);
      return action === 'show' ? show(values, io) : versions(values, io);
    default:
      throw new UsageError('say "check", "publish", "show" or "versions"');
  }
}

export const decisionRulesCommand: Command = {
  summary: 'check card decision rule files, publish one, or show the published versions',
  usage: [
    'tally decision-rules check <file>...',
    'tally decision-rules publish <file> [--url URL] [--token TOKEN]',
    'tally decision-rules show [--version N] [--json] [--url URL] [--token TOKEN]',
    'tally decision-rules versions [--json] [--url URL] [--token TOKEN]',
    '',
    '  check           compile each file; print every error as file:line:column: message',
    '  publish         make the file the active decision rules (a new version, in force within seconds)',
    '  show            print the active decision rules (or --version N) with who published them',
    '  versions        list every published version, oldest first',
    '  --url URL       the Tally API (env TALLY_URL; default http://localhost:8080)',
    '  --token TOKEN   the bearer token (env TALLY_TOKEN, else TALLY_ADMIN_TOKEN); publish needs admin',
    '  --json          print the answer as JSON (versions: one version per line)',
    '',
    'A directory stands for its only *.rules file (rules/ holds several: name rules/card-decisions.rules).',
  ].join('\n'),
  options: {
    url: { type: 'string' },
    token: { type: 'string' },
    version: { type: 'string' },
    json: { type: 'boolean' },
  },
  positionals: true,
  run: runDecisionRules,
};
