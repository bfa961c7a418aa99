/**
 * The YAML form (rules/README.md): a `rules:` list whose items are one-liner strings or maps
 * `{id, description, when, points, cap}`, and an optional `flags:` list holding the windowed
 * `above_threshold` flag. Every structural problem is collected with its line and column.
 */

import {
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  type Pair,
  parseDocument,
  type Scalar,
  type YAMLMap,
} from 'yaml';
import { isDomainError } from '#domain/errors.ts';
import { parseAmountMinor } from '#domain/money.ts';
import type { ParsedForm, RuleDraft } from './draft.ts';
import { splitOneLiner } from './one-liner.ts';
import type { Position, SourceText } from './source-text.ts';
import { POINTS_PER_AWARD_MAX, type RuleError, type ThresholdFlagRule } from './types.ts';
import { scalarSource } from './yaml-scalar.ts';

/** Explicit ids: short, readable, and never of the derived `r-<10 hex>` shape. */
const EXPLICIT_ID = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
const DERIVED_ID = /^r-[0-9a-f]{10}$/;
const RULE_FIELDS = ['id', 'description', 'when', 'points', 'cap'];
const FLAG_FIELDS = ['id', 'description', 'window', 'greaterThan', 'sticky'];
/** Bounds on a flag window: at least 1 ms, at most a day (the window cache holds two windows). */
const WINDOW_MS_MAX = 86_400_000;
const WINDOW = /^(\d+)(ms|s|m|h)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

export function parseYamlForm(text: string): ParsedForm {
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number): Position => {
    const { line, col } = lines.linePos(offset);
    return { line, column: col };
  };
  const problems = [...document.errors, ...document.warnings];
  if (problems.length > 0) {
    // The tree is unreliable after a YAML error; report those alone.
    return {
      rules: [],
      flag: null,
      errors: problems.map((problem) => ({
        ...at(problem.pos[0]),
        message: `YAML: ${firstLine(problem.message)}`,
      })),
    };
  }
  const reader = new FormReader(text, at);
  reader.read(document.contents);
  return { rules: reader.rules, flag: reader.flag, errors: reader.errors };
}

const firstLine = (message: string): string => message.split('\n')[0] ?? message;

class FormReader {
  readonly rules: RuleDraft[] = [];
  flag: ThresholdFlagRule | null = null;
  readonly errors: RuleError[] = [];

  constructor(
    private readonly text: string,
    private readonly at: (offset: number) => Position,
  ) {}

  read(contents: Node | null): void {
    if (contents === null || (isScalar(contents) && contents.value === null)) return;
    if (!isMap(contents)) {
      this.error(contents, 'the YAML form is a map with `rules:` and optionally `flags:`');
      return;
    }
    for (const pair of contents.items) {
      const key = this.keyName(pair);
      if (key === 'rules') this.readRules(pair.value as Node | null);
      else if (key === 'flags') this.readFlags(pair.value as Node | null);
      else if (key !== null)
        this.error(pair.key as Node, `unknown top-level key \`${key}\` (expected rules, flags)`);
    }
  }

  private readRules(node: Node | null): void {
    if (node === null || (isScalar(node) && node.value === null)) return;
    if (!isSeq(node)) {
      this.error(node, '`rules` must be a list');
      return;
    }
    for (const item of node.items as (Node | null)[]) {
      if (isScalar(item)) this.readOneLiner(item);
      else if (isMap(item)) this.readRuleMap(item);
      else
        this.error(
          item ?? node,
          'a rule is a one-liner string `<condition>, <points>` or a map with `when` and `points`',
        );
    }
  }

  private readOneLiner(item: Scalar): void {
    const source = this.scalarSource(item);
    const start = this.start(item);
    if (source === null) {
      this.errors.push({
        ...start,
        message: 'a rule is a one-liner string `<condition>, <points>` or a map',
      });
      return;
    }
    // YAML has already removed its own comments; a `#` still in the value is part of the rule.
    const split = splitOneLiner(source, { hashComments: false });
    if (split === null) this.errors.push({ ...start, message: 'empty rule' });
    else if ('message' in split) {
      const quoted = item.type === 'QUOTE_SINGLE' || item.type === 'QUOTE_DOUBLE';
      const hint = quoted ? '' : ' (in YAML, ` #` starts a comment: quote an item that contains one)';
      this.errors.push({ ...split, message: split.message + hint });
    } else this.rules.push({ line: start.line, ...split });
  }

  private readRuleMap(map: YAMLMap): void {
    const start = this.start(map);
    const keys = map.items.map((pair) => (isScalar(pair.key) ? pair.key.value : null));
    if (!keys.some((key) => typeof key === 'string' && RULE_FIELDS.includes(key))) {
      // `- a ? 1 : 2, 3` is a map to YAML: the one-liner needed quotes.
      this.errors.push({
        ...start,
        message:
          'this item reads as a YAML map, not a rule: quote a one-liner that contains `: `, or use `when:` and `points:`',
      });
      return;
    }
    const fields = this.fields(map, RULE_FIELDS, (key) =>
      key === 'asset' ? '`asset` is not supported: every award is in points' : null,
    );
    const when = fields.get('when');
    const points = fields.get('points');
    if (when === undefined)
      this.errors.push({ ...start, message: 'rule: `when` (the condition) is missing' });
    if (points === undefined) this.errors.push({ ...start, message: 'rule: `points` is missing' });
    const condition = when === undefined ? null : this.expression(when, 'when');
    const pointsSource = points === undefined ? null : this.expression(points, 'points');
    const draft: Partial<RuleDraft> = { line: start.line };

    const id = fields.get('id');
    if (id !== undefined) {
      const value = this.stringValue(id, 'id');
      if (value !== null) {
        if (!EXPLICIT_ID.test(value) || DERIVED_ID.test(value) || value === 'above_threshold') {
          this.error(
            id,
            `id \`${value}\`: use a letter then up to 63 letters, digits, \`_\`, \`.\` or \`-\` ` +
              '(not the derived `r-<10 hex>` shape, not `above_threshold`)',
          );
        } else {
          draft.id = { value, ...this.start(id) };
        }
      }
    }
    const description = fields.get('description');
    if (description !== undefined) {
      const value = this.stringValue(description, 'description');
      if (value !== null) draft.description = value;
    }
    const cap = fields.get('cap');
    if (cap !== undefined) {
      const value = this.positiveInteger(cap, 'cap', POINTS_PER_AWARD_MAX);
      if (value !== null) draft.cap = value;
    }
    if (condition !== null && pointsSource !== null) {
      this.rules.push({ ...draft, line: start.line, condition, points: pointsSource });
    }
  }

  private readFlags(node: Node | null): void {
    if (node === null || (isScalar(node) && node.value === null)) return;
    if (!isSeq(node)) {
      this.error(node, '`flags` must be a list');
      return;
    }
    for (const item of node.items as (Node | null)[]) {
      if (!isMap(item)) {
        this.error(item ?? node, 'a flag is a map: {id: above_threshold, window, greaterThan, sticky}');
        continue;
      }
      this.readFlag(item);
    }
  }

  private readFlag(map: YAMLMap): void {
    const start = this.start(map);
    const fields = this.fields(map, FLAG_FIELDS, () => null);
    const idNode = fields.get('id');
    const id = idNode === undefined ? null : this.stringValue(idNode, 'id');
    if (idNode === undefined) {
      this.errors.push({
        ...start,
        message: 'flag: `id` is missing (the supported flag is above_threshold)',
      });
      return;
    }
    if (id !== 'above_threshold') {
      if (id !== null) this.error(idNode, `unknown flag \`${id}\` (the supported flag is above_threshold)`);
      return;
    }
    if (this.flag !== null) {
      this.error(idNode, 'duplicate flag `above_threshold`');
      return;
    }
    const windowNode = fields.get('window');
    const thresholdNode = fields.get('greaterThan');
    const stickyNode = fields.get('sticky');
    const descriptionNode = fields.get('description');
    if (windowNode === undefined)
      this.errors.push({ ...start, message: 'flag: `window` is missing (e.g. 2m)' });
    if (thresholdNode === undefined) {
      this.errors.push({ ...start, message: 'flag: `greaterThan` is missing (e.g. "10000")' });
    }
    const windowMs = windowNode === undefined ? null : this.windowMs(windowNode);
    const thresholdMinor = thresholdNode === undefined ? null : this.threshold(thresholdNode);
    let sticky = true;
    if (stickyNode !== undefined) {
      const value = isScalar(stickyNode) ? stickyNode.value : undefined;
      if (value !== true) {
        this.error(stickyNode, 'flag: only sticky flags are supported (`sticky: true`, or leave it out)');
        sticky = false;
      }
    }
    const description =
      descriptionNode === undefined ? null : this.stringValue(descriptionNode, 'description');
    if (windowMs === null || thresholdMinor === null || !sticky) return;
    this.flag = {
      id: 'above_threshold',
      description: description ?? 'Deposits within a sliding window sum to more than the threshold (sticky).',
      windowMs,
      thresholdMinor,
      sticky: true,
    };
  }

  private windowMs(node: Node): number | null {
    const value = isScalar(node) ? node.value : undefined;
    const match = typeof value === 'string' ? WINDOW.exec(value.trim()) : null;
    if (match === null) {
      this.error(node, 'flag: `window` is a duration with a unit: 500ms, 120s, 2m or 1h');
      return null;
    }
    const windowMs = Number(match[1]) * (UNIT_MS[match[2] as string] as number);
    if (!Number.isSafeInteger(windowMs) || windowMs < 1 || windowMs > WINDOW_MS_MAX) {
      this.error(node, 'flag: `window` must be between 1ms and 24h');
      return null;
    }
    return windowMs;
  }

  private threshold(node: Node): bigint | null {
    const value = isScalar(node) ? node.value : undefined;
    try {
      return parseAmountMinor(value);
    } catch (error) {
      if (!isDomainError(error)) throw error;
      this.error(node, `flag: \`greaterThan\` (scale 2): ${error.detail}`);
      return null;
    }
  }

  /** The map's fields by name; unknown and duplicate keys are reported. */
  private fields(map: YAMLMap, known: string[], explain: (key: string) => string | null): Map<string, Node> {
    const fields = new Map<string, Node>();
    for (const pair of map.items) {
      const key = this.keyName(pair);
      if (key === null) continue;
      if (!known.includes(key)) {
        this.error(
          pair.key as Node,
          explain(key) ?? `unknown field \`${key}\` (expected ${known.join(', ')})`,
        );
        continue;
      }
      const value = pair.value as Node | null;
      if (value === null) {
        this.error(pair.key as Node, `\`${key}\` has no value`);
        continue;
      }
      fields.set(key, value);
    }
    return fields;
  }

  private keyName(pair: Pair): string | null {
    const key = pair.key as Node | null;
    if (isScalar(key) && typeof key.value === 'string') return key.value;
    this.error(key ?? null, 'keys are plain names');
    return null;
  }

  private expression(node: Node, field: string): SourceText | null {
    const source = isScalar(node) ? this.scalarSource(node) : null;
    if (source === null || source.text.trim() === '') {
      this.error(node, `\`${field}\` must be a CEL expression written as text`);
      return null;
    }
    return source;
  }

  private stringValue(node: Node, field: string): string | null {
    if (isScalar(node) && typeof node.value === 'string') return node.value;
    this.error(node, `\`${field}\` must be text`);
    return null;
  }

  private positiveInteger(node: Node, field: string, max: bigint): bigint | null {
    const value = isScalar(node) ? node.value : undefined;
    const digits =
      typeof value === 'number' && Number.isSafeInteger(value)
        ? String(value)
        : typeof value === 'string' && /^\d{1,19}$/.test(value.trim())
          ? value.trim()
          : null;
    const parsed = digits === null ? null : BigInt(digits);
    if (parsed === null || parsed < 1n || parsed > max) {
      this.error(node, `\`${field}\` must be a whole number from 1 to ${max}`);
      return null;
    }
    return parsed;
  }

  private scalarSource(node: Scalar): SourceText | null {
    return scalarSource(this.text, this.at, node);
  }

  private start(node: Node | null): Position {
    return this.at(node?.range?.[0] ?? 0);
  }

  private error(node: Node | null, message: string): void {
    this.errors.push({ ...this.start(node), message });
  }
}
