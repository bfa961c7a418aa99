import * as z from 'zod';
import { ruleCheckBody } from '../rules-check.ts';
import { page, versionParam } from './params.ts';
import * as body from './responses.ts';
import type { RouteContract, RouteKey } from './types.ts';

const queueParam = {
  schema: z.enum(['events', 'jobs']),
  description: 'One dead-letter queue (default: every one this deployment has).',
};

/** `POST /rules/check`'s answer: the compile errors, or the rules and what the sample fact earns. */
const ruleCheck = z.strictObject({
  ok: z.boolean(),
  errors: z.array(z.strictObject({ line: z.number().int(), column: z.number().int(), message: z.string() })),
  rules: z.array(
    z.strictObject({
      id: z.string(),
      line: z.number().int(),
      condition: z.string(),
      points: z.string(),
      description: z.string().nullable(),
    }),
  ),
  textHash: z.string().optional(),
  fact: z
    .strictObject({
      awards: z.array(
        z.strictObject({ ruleId: z.string(), points: z.number().int(), description: z.string().nullable() }),
      ),
      failure: z
        .strictObject({ ruleId: z.string(), line: z.number().int(), reason: z.string(), detail: z.string() })
        .nullable(),
    })
    .optional(),
});

/** Rule sets and jobs: the routes operators use. */
export const ADMIN_ROUTE_CONTRACTS: Readonly<Partial<Record<RouteKey, RouteContract>>> = {
  'GET /rules': {
    tag: 'rules',
    summary: 'The active rule set (or `?version=N`)',
    query: { version: versionParam },
    responses: { 200: { description: 'The rule set and its text', schema: body.ruleSet } },
    problems: ['invalid-version', 'rule-set-version-not-found'],
  },
  'PUT /rules': {
    tag: 'rules',
    summary: 'Publish a rule file as the next version',
    description: 'Send the file with `--data-binary` (curl `-d` strips newlines).',
    body: { schema: z.string().min(1), contentTypes: ['text/plain', 'application/yaml'] },
    query: {
      source: {
        schema: z.string().regex(/^[\w./@:-]{1,200}$/),
        description: 'A label for where the text came from.',
      },
      allowEmpty: { schema: z.enum(['true', 'false']), description: 'Publish a set with no rules.' },
    },
    responses: {
      201: { description: 'Published as a new version', schema: body.ruleSet },
      200: { description: 'The same text as the active version: nothing published', schema: body.ruleSet },
    },
    problems: [
      'invalid-rules',
      'empty-rules',
      'missing-body',
      'invalid-source',
      'invalid-allow-empty',
      'publish-conflict',
    ],
  },
  'GET /rules/versions': {
    tag: 'rules',
    summary: 'Every published version, oldest first',
    query: page,
    responses: { 200: { description: 'A page of versions', schema: body.ruleSetVersions } },
    problems: ['invalid-limit', 'invalid-cursor'],
  },
  'GET /rules/versions/{version}': {
    tag: 'rules',
    summary: 'One published version, with its text',
    responses: { 200: { description: 'The version', schema: body.ruleSet } },
    problems: ['invalid-version', 'rule-set-version-not-found'],
  },
  'POST /rules/check': {
    tag: 'rules',
    summary: 'Compile a candidate rule set (and evaluate a sample fact) without publishing it',
    description:
      'A text that does not compile is a 200 with `ok: false` and every error (line, column): the console editor shows them inline.',
    body: {
      schema: ruleCheckBody,
      example: {
        rules: 'event_type == "trade", data.qty * 5',
        fact: { type: 'trade', subject: 'w1', data: { qty: 12 } },
      },
    },
    responses: { 200: { description: 'The check', schema: ruleCheck } },
    problems: [],
  },
  'GET /replay/{jobId}': {
    tag: 'admin',
    summary: "A replay job's progress and totals",
    responses: { 200: { description: 'The job', schema: body.jobReport } },
    problems: ['job-not-found'],
  },
  'GET /republish/{jobId}': {
    tag: 'admin',
    summary:
      "A re-publish job's progress and totals (items scanned, events in the window, published, rejected)",
    responses: { 200: { description: 'The job', schema: body.jobReport } },
    problems: ['job-not-found'],
  },
  'GET /rules/backtest/{jobId}': {
    tag: 'admin',
    summary: "A backtest job's progress and totals",
    responses: { 200: { description: 'The job', schema: body.jobReport } },
    problems: ['job-not-found'],
  },
  'GET /dead-letters': {
    tag: 'operations',
    summary: 'Parked (dead-lettered) messages and why, without taking them out',
    query: {
      queue: queueParam,
      limit: { schema: z.string().regex(/^\d+$/), description: 'Per queue, 1–500 (default 50).' },
    },
    responses: { 200: { description: 'The parked messages', schema: body.deadLetters } },
    problems: ['invalid-queue', 'invalid-limit', 'dead-letter-queue-not-found'],
  },
  'GET /dead-letters/{id}': {
    tag: 'operations',
    operationId: 'getDeadLetterById',
    summary: 'One parked message, whole: its body, its code and why it failed',
    description: 'Found among the first 500 parked messages of each queue named (both by default).',
    query: { queue: queueParam },
    responses: { 200: { description: 'The parked message', schema: body.deadLetter } },
    problems: ['invalid-queue', 'dead-letter-queue-not-found', 'dead-letter-not-found'],
  },
  'POST /dead-letters/{id}/redrive': {
    tag: 'operations',
    operationId: 'postDeadLettersRedriveById',
    summary: 'Send one parked message back to the queue it came from',
    query: { queue: queueParam },
    responses: { 200: { description: 'Redriven', schema: body.redriven } },
    problems: ['invalid-queue', 'dead-letter-queue-not-found', 'dead-letter-not-found'],
  },
  'POST /dead-letters/redrive': {
    tag: 'operations',
    summary: 'Send every parked message back (after the cause is fixed)',
    description: 'A redriven CloudEvent that already took effect is a replay, never a second count.',
    query: { queue: queueParam },
    responses: { 200: { description: 'What was redriven', schema: body.redriven } },
    problems: ['invalid-queue', 'dead-letter-queue-not-found'],
  },
};
