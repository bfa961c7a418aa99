/**
 * Rule files on disk, as `tally rules check|publish` and `tally backtest` read them: a directory
 * stands for its tally.rules.yaml or its only rule file, and a file is compiled here before
 * anything is sent anywhere.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { sha256Hex } from '#adapters/dynamodb/event-hash.ts';
import { compileRuleSet } from '#rules/rule-set.ts';
import { type CompileResult, formatRuleError } from '#rules/types.ts';
import { CliFailure, UsageError } from './command.ts';

export interface RuleFile {
  /** The absolute path. */
  file: string;
  /** The path as shown in messages (relative to the current directory). */
  shown: string;
  text: string;
  /** `file:line:column: message` per error; empty when it compiles. */
  errors: string[];
  compiled: CompileResult;
}

/** The file a command-line target names (a directory stands for its one rule file). */
export async function resolveRuleFile(target: string, cwd: string): Promise<string> {
  const full = path.resolve(cwd, target);
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(full)).isDirectory();
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT')
      throw new CliFailure(`tally: ${target}: no such file`);
    throw error;
  }
  if (!isDirectory) return full;
  const names = (await readdir(full)).filter((name) => /\.rules(\.ya?ml)?$/.test(name)).sort();
  if (names.includes('tally.rules.yaml')) return path.join(full, 'tally.rules.yaml');
  if (names.length === 1 && names[0] !== undefined) return path.join(full, names[0]);
  throw new UsageError(
    `${target}: found ${names.length ? names.join(', ') : 'no rule files'}; name one file`,
  );
}

/** Reads and compiles the rule file a target names, with the compiler the API uses. */
export async function loadRuleFile(target: string, cwd: string): Promise<RuleFile> {
  const file = await resolveRuleFile(target, cwd);
  const shown = path.relative(cwd, file) || file;
  const text = await readFile(file, 'utf8');
  const compiled = compileRuleSet(text, { hash: sha256Hex, source: shown });
  const errors = compiled.ok ? [] : compiled.errors.map((error) => formatRuleError(error, shown));
  return { file, shown, text, errors, compiled };
}
