/**
 * The CEL side of the engine: one environment declaring the variables rules may use, compiling
 * one expression (parse + type-check, once), turning a fact into the evaluation context, and
 * reading an event-type index out of a condition's syntax tree.
 */
import {
  type ASTNode,
  TypeError as CelTypeError,
  Environment,
  EvaluationError,
  ParseError,
  serialize,
} from '@marcbachmann/cel-js';
import { type CelContext, TYPE_ALIAS } from './fact-context.ts';
import { ALIAS_WORD, rewriteTypeIdentifier } from './lexer.ts';

/** Limits on one expression, so a rule file cannot make compiling or evaluating unbounded. */
export const EXPRESSION_CHARS_MAX = 4_000;
const CEL_LIMITS = {
  maxAstNodes: 2_000,
  maxDepth: 64,
  maxListElements: 500,
  maxMapEntries: 500,
  maxCallArguments: 16,
};
export const VARIABLES = ['event_type', 'type', 'subject', 'source', 'time', 'data'] as const;

const TIMESTAMP = 'google.protobuf.Timestamp';

/**
 * Built once per process (the library warns that environments are expensive). `data` is a map
 * of dyn: its keys are only known per fact, so a missing key is an evaluation error, not a
 * compile error.
 */
const environment = new Environment({ limits: CEL_LIMITS, homogeneousAggregateLiterals: false })
  .registerVariable('event_type', 'string', { description: 'The CloudEvent type.' })
  .registerVariable(TYPE_ALIAS, 'string', { description: 'The CloudEvent type (written `type` in rules).' })
  .registerVariable('subject', 'string', { description: 'The wallet id.' })
  .registerVariable('source', 'string', { description: 'The producing application.' })
  .registerVariable('time', TIMESTAMP, { description: 'The event time.' })
  .registerVariable('data', 'map', { description: 'The JSON payload.' });

/**
 * The library builds its timestamps (it represents them as JS dates); asking it to parse the
 * fact's time keeps clock types out of this pure module and gives rules exactly the value
 * `timestamp("…")` would.
 */
const timestampEnvironment = new Environment().registerVariable('t', 'string');
const parseTimestamp = timestampEnvironment.parse('timestamp(t)');
parseTimestamp.check();

/** RFC 3339 date-time (the library alone accepts any ISO 8601-ish text of 20–30 characters). */
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:[Zz]|[+-]\d{2}:\d{2})$/;

export type ExpressionRole = 'condition' | 'points';

export interface CompiledExpression {
  evaluate: (context: CelContext) => unknown;
  ast: ASTNode;
  /** The literal value when the expression is a single integer literal (no evaluation needed). */
  constantInt: bigint | null;
  usesTime: boolean;
  usesData: boolean;
}

/** A compile problem at an offset within the expression text. */
export interface ExpressionProblem {
  offset: number;
  message: string;
}

const ACCEPTED_TYPES: Record<ExpressionRole, readonly string[]> = {
  condition: ['bool', 'dyn'],
  points: ['int', 'dyn'],
};

/** Parses and type-checks once; the returned closure only evaluates. */
export function compileExpression(
  text: string,
  role: ExpressionRole,
): { ok: true; expression: CompiledExpression } | { ok: false; problem: ExpressionProblem } {
  if (text.trim() === '') return { ok: false, problem: { offset: 0, message: `the ${role} is empty` } };
  if (text.length > EXPRESSION_CHARS_MAX) {
    return {
      ok: false,
      problem: {
        offset: 0,
        message: `the ${role} is ${text.length} characters; at most ${EXPRESSION_CHARS_MAX}`,
      },
    };
  }
  const rewrite = rewriteTypeIdentifier(text);
  const aliasAt = rewrite.aliasUsedAt[0];
  if (aliasAt !== undefined) {
    return { ok: false, problem: { offset: aliasAt, message: `${TYPE_ALIAS} is reserved; write \`type\`` } };
  }
  let parsed: ReturnType<Environment['parse']>;
  try {
    parsed = environment.parse(rewrite.text);
  } catch (error) {
    return { ok: false, problem: celProblem(error, role, 'syntax error') };
  }
  const checked = parsed.check();
  if (!checked.valid) return { ok: false, problem: celProblem(checked.error, role, 'type error') };
  const resultType = checked.type ?? 'dyn';
  if (!ACCEPTED_TYPES[role].includes(resultType)) {
    const hint =
      role === 'condition' ? 'a condition must be a bool' : 'points must be an int (write int(x) to convert)';
    return {
      ok: false,
      problem: { offset: 0, message: `${role}: ${hint}; this expression is ${resultType}` },
    };
  }
  const ast = parsed.ast;
  const identifiers = freeIdentifiers(ast);
  const constantInt = ast.op === 'value' && typeof ast.args === 'bigint' ? ast.args : null;
  return {
    ok: true,
    expression: {
      evaluate: parsed,
      ast,
      constantInt,
      usesTime: identifiers.has('time'),
      usesData: identifiers.has('data'),
    },
  };
}

function celProblem(error: unknown, role: ExpressionRole, kind: string): ExpressionProblem {
  if (error instanceof ParseError || error instanceof CelTypeError || error instanceof EvaluationError) {
    const summary = error.summary.replace(ALIAS_WORD, 'type');
    const hint = error.code === 'unknown_variable' ? ` (the variables are ${VARIABLES.join(', ')})` : '';
    return { offset: error.range?.start ?? 0, message: `${role}: CEL ${kind}: ${summary}${hint}` };
  }
  // The library throws only its own errors; anything else is a bug worth seeing whole.
  throw error;
}

/** Identifiers read as variables anywhere in the tree (over-approximate: comprehension variables count too). */
function freeIdentifiers(root: ASTNode): Set<string> {
  const names = new Set<string>();
  const stack: unknown[] = [root];
  // Bounded by the AST node limit: every node is pushed once.
  while (stack.length > 0) {
    const node = stack.pop();
    if (Array.isArray(node)) {
      stack.push(...node);
    } else if (isAstNode(node)) {
      if (node.op === 'id') names.add(node.args);
      else if (node.op !== 'value') stack.push(node.args);
    }
  }
  return names;
}

const isAstNode = (value: unknown): value is ASTNode =>
  typeof value === 'object' && value !== null && 'op' in value && 'args' in value;

/**
 * The event types a condition can match, read from its top-level `&&` conjuncts of the form
 * `event_type == "x"`, `"x" == event_type` or `event_type in ["x", "y"]` (also with `type`).
 * With several such conjuncts the types must satisfy all of them. `decided` is true when these
 * conjuncts are the whole condition, so a fact of a listed type matches without evaluating it.
 * Null when no conjunct pins the type: the rule is then tried on every fact.
 */
export interface EventTypeIndex {
  eventTypes: string[];
  /** The conjuncts the index does not decide, in order; empty when it decides the whole condition. */
  residual: ASTNode[];
}

export function eventTypeIndex(ast: ASTNode): EventTypeIndex | null {
  const conjuncts: ASTNode[] = [];
  const pending: ASTNode[] = [ast];
  while (pending.length > 0) {
    const node = pending.pop() as ASTNode;
    if (node.op === '&&') pending.push(node.args[1], node.args[0]);
    else conjuncts.push(node);
  }
  let eventTypes: string[] | null = null;
  const residual: ASTNode[] = [];
  for (const conjunct of conjuncts) {
    const literals = pinnedEventTypes(conjunct);
    if (literals === null) {
      residual.push(conjunct);
      continue;
    }
    eventTypes = eventTypes === null ? literals : eventTypes.filter((type) => literals.includes(type));
  }
  if (eventTypes === null) return null;
  return { eventTypes: [...new Set(eventTypes)], residual };
}

/**
 * The conjunction of `conjuncts` as its own compiled expression, so a fact the index already
 * matched does not evaluate `event_type == "x"` again (`true && x` is `x`, exactly).
 * It is built by printing the sub-trees with the library's serializer and parsing the result;
 * it is used only when the new tree is structurally identical to the original conjuncts (same
 * operators, same literals of the same types), otherwise null and the caller keeps the whole
 * condition. That check is what makes the shortcut safe against any printer quirk.
 */
export function compileConjunction(conjuncts: ASTNode[]): CompiledExpression['evaluate'] | null {
  if (conjuncts.length === 0) return null;
  const text = conjuncts.map((conjunct) => `(${serialize(conjunct)})`).join(' && ');
  let parsed: ReturnType<Environment['parse']>;
  try {
    parsed = environment.parse(text);
  } catch {
    return null;
  }
  if (!parsed.check().valid) return null;
  const expected = conjuncts
    .map((conjunct) => conjunct.toOldStructure())
    .reduce((left, right) => ['&&', left, right]);
  return sameStructure(parsed.ast.toOldStructure(), expected) ? parsed : null;
}

function sameStructure(left: unknown, right: unknown): boolean {
  if (Array.isArray(left) || Array.isArray(right)) {
    return (
      Array.isArray(left) &&
      Array.isArray(right) &&
      left.length === right.length &&
      left.every((item, index) => sameStructure(item, right[index]))
    );
  }
  if (left instanceof Uint8Array || right instanceof Uint8Array) {
    return (
      left instanceof Uint8Array &&
      right instanceof Uint8Array &&
      left.length === right.length &&
      left.every((byte, index) => byte === right[index])
    );
  }
  if (typeof left === 'object' && left !== null && typeof right === 'object' && right !== null) {
    // Other literal objects (unsigned ints) compare by class and printed value.
    return left.constructor === right.constructor && String(left) === String(right);
  }
  return typeof left === typeof right && Object.is(left, right);
}

const isTypeVariable = (node: ASTNode): boolean =>
  node.op === 'id' && (node.args === 'event_type' || node.args === TYPE_ALIAS);
const stringLiteral = (node: ASTNode): string | null =>
  node.op === 'value' && typeof node.args === 'string' ? node.args : null;

function pinnedEventTypes(node: ASTNode): string[] | null {
  if (node.op === '==') {
    const [left, right] = node.args;
    if (isTypeVariable(left)) return single(stringLiteral(right));
    if (isTypeVariable(right)) return single(stringLiteral(left));
    return null;
  }
  if (node.op === 'in') {
    const [left, right] = node.args;
    if (!isTypeVariable(left) || right.op !== 'list') return null;
    const literals = right.args.map(stringLiteral);
    return literals.every((literal): literal is string => literal !== null) ? literals : null;
  }
  return null;
}

const single = (literal: string | null): string[] | null => (literal === null ? null : [literal]);

/** The library's timestamp for an RFC 3339 time, or undefined when the text is not one. */
export function celTimestamp(time: string): unknown {
  if (!RFC3339.test(time)) return undefined;
  try {
    return parseTimestamp({ t: time });
  } catch {
    return undefined;
  }
}

export { EvaluationError };
