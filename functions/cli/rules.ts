/**
 * `tally rules check|publish`: compile rule files here, then make one the active rule set, through
 * the API (`PUT /rules`) or straight into a table with your AWS credentials.
 */
import { adminRequest, adminTarget, objectBody } from './admin-http.ts';
import {
  type Command,
  EXIT_FAILED,
  EXIT_OK,
  type Io,
  stringValue,
  UsageError,
  type Values,
} from './command.ts';
import type { RuleFile } from './rules-file.ts';

/** What `check` says (on stderr) and `publish` refuses for a file that compiles to no rules. */
const emptyMessage = (shown: string) =>
  `${shown}: no rules — nothing would earn points (a file flattened to one comment line by \`curl -d\` looks like this); ` +
  'pass --allow-empty if an empty rule set is what you mean';

async function runRules(values: Values, positionals: string[], io: Io): Promise<number> {
  const [action, ...targets] = positionals;
  if (action !== 'check' && action !== 'publish') throw new UsageError('say "check" or "publish"');
  if (targets.length === 0) throw new UsageError(`rules ${action} needs a file or a directory`);
  const allowEmpty = values['allow-empty'] === true;
  if (action === 'check') return checkRules(targets, allowEmpty, io);

  if (targets.length !== 1) throw new UsageError('publish takes one file or directory');
  const { loadRuleFile } = await import('./rules-file.ts');
  const ruleFile = await loadRuleFile(targets[0] as string, io.cwd);
  if (ruleFile.errors.length > 0) {
    for (const line of ruleFile.errors) io.err(line);
    return EXIT_FAILED;
  }
  if (ruleFile.compiled.ok && ruleFile.compiled.ruleSet.rules.length === 0 && !allowEmpty) {
    io.err(`tally rules publish: ${emptyMessage(ruleFile.shown)}`);
    return EXIT_FAILED;
  }
  const table = stringValue(values, 'table');
  if (table !== undefined) return publishToTable(ruleFile, table, io);

  const target = adminTarget(values, io.env);
  const query = `source=${encodeURIComponent(ruleFile.shown)}${allowEmpty ? '&allowEmpty=true' : ''}`;
  const answer = await adminRequest(io, target, 'PUT', `/rules?${query}`, ruleFile.text, {
    source: ruleFile.shown,
    text: true,
  });
  const version = objectBody(answer, 'a rule set').version;
  io.out(
    `${ruleFile.shown}: ${answer.status === 201 ? 'published as' : 'already active as'} version ${String(version)} on ${target.base}`,
  );
  return EXIT_OK;
}

async function publishToTable(ruleFile: RuleFile, table: string, io: Io): Promise<number> {
  const { sha256Hex } = await import('#adapters/dynamodb/event-hash.ts');
  const { createDocumentClient } = await import('#adapters/dynamodb/client.ts');
  const { DynamoRuleSetStore } = await import('#adapters/dynamodb/rule-sets.ts');
  const { ENV } = await import('#lib/wiring.ts');
  const { storedFormOf } = await import('#rules/rule-set.ts');
  // The CLI is a composition root: it reads DynamoDB Local's endpoint, if any, from the wiring's name.
  const endpoint = process.env[ENV.dynamodbEndpoint] || undefined;
  const store = new DynamoRuleSetStore(
    createDocumentClient(endpoint === undefined ? {} : { endpoint }),
    table,
  );
  const outcome = await store.publish({
    text: ruleFile.text,
    textHash: sha256Hex(ruleFile.text),
    form: storedFormOf(ruleFile.text),
    publishedAtMs: Date.now(),
    source: ruleFile.shown,
    // Straight to the table: the only name at hand is the OS user's.
    publishedBy: `table:${io.env.USER || io.env.USERNAME || 'unknown'}`,
  });
  if (outcome.kind === 'conflict') {
    io.err('tally rules publish: another publish won the race; run it again');
    return EXIT_FAILED;
  }
  io.out(
    `${ruleFile.shown}: ${outcome.kind === 'published' ? 'published as' : 'already active as'} version ${outcome.ruleSet.version}`,
  );
  return EXIT_OK;
}

/**
 * `tally rules check`: compiles each file and prints every error as file:line:column: message. A
 * file with no rules fails too (exit 1, a warning on stderr) unless --allow-empty: check fails
 * exactly when publish would be refused.
 */
async function checkRules(targets: string[], allowEmpty: boolean, io: Io): Promise<number> {
  const { loadRuleFile } = await import('./rules-file.ts');
  let failed = 0;
  for (const target of targets) {
    const { shown, compiled, errors } = await loadRuleFile(target, io.cwd);
    if (compiled.ok) {
      const { rules, flag } = compiled.ruleSet;
      io.out(
        `${shown}: ok — ${rules.length} rule(s); ${flag.id}: > ${Number(flag.thresholdMinor) / 100} within ${flag.windowMs / 1000} s`,
      );
      if (rules.length === 0 && !allowEmpty) {
        failed++;
        io.err(`warning: ${emptyMessage(shown)}`);
      }
    } else {
      failed++;
      for (const line of errors) io.err(line);
    }
  }
  return failed === 0 ? EXIT_OK : EXIT_FAILED;
}

export const rulesCommand: Command = {
  summary: 'check rule files, or publish one to a running Tally (no redeploy)',
  usage: [
    'tally rules check <file|dir>... [--allow-empty]',
    'tally rules publish <file|dir> [--url URL] [--token TOKEN] [--allow-empty] | [--table NAME]',
    '',
    '  check           compile each file; print every error as file:line:column: message;',
    '                  a file with no rules fails with a warning (exit 1) unless --allow-empty',
    '  publish         make the file the active rule set (a new version; running functions pick it up within seconds)',
    '  --allow-empty   accept a rule set with no rules (publishing it stops every award)',
    '  --url URL       the Tally API to PUT /rules to (env TALLY_URL; default http://localhost:8080)',
    '  --token TOKEN   the bearer token (env TALLY_TOKEN, else TALLY_ADMIN_TOKEN, which keep it out of `ps`)',
    '  --table NAME    write straight to this DynamoDB table with your AWS credentials instead',
    '                  (TALLY_DYNAMODB_ENDPOINT points it at DynamoDB Local)',
    '',
    'A directory stands for its tally.rules.yaml, or for its only *.rules / *.rules.yaml file.',
  ].join('\n'),
  options: {
    url: { type: 'string' },
    token: { type: 'string' },
    table: { type: 'string' },
    'allow-empty': { type: 'boolean' },
  },
  positionals: true,
  run: runRules,
};
