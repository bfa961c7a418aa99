import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { type PublishDeps, publishRuleSet } from '#app/publish-rules.ts';
import type { StoredRuleSet } from '#ports/rule-sets.ts';
import { type HttpResult, jsonResult } from './problem.ts';
import { problem } from './problems.ts';

const NAME_MAX = 200;

const textOf = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value.slice(0, NAME_MAX) : undefined;

/**
 * Who is publishing, as a rule set version records it: a token's `sub` (else its `client_id`),
 * `iam:<caller>` for a signed AWS call, and `local` when nothing names the caller (the local
 * runtime without `--auth`, where the admin token is a shared secret, not an identity).
 */
export function publisherOf(event: APIGatewayProxyEventV2): string {
  const authorizer = (event.requestContext as { authorizer?: Record<string, unknown> } | undefined)
    ?.authorizer;
  const jwt = authorizer?.jwt as { claims?: Record<string, unknown> } | undefined;
  const fromToken = textOf(jwt?.claims?.sub) ?? textOf(jwt?.claims?.client_id);
  if (fromToken !== undefined) return fromToken;
  const iam = authorizer?.iam as { userArn?: unknown; callerId?: unknown } | undefined;
  const caller = textOf(iam?.userArn) ?? textOf(iam?.callerId);
  if (caller !== undefined) return `iam:${caller}`;
  return 'local';
}

/**
 * The answer to a PUT of a rule set (the points rules, the card decision rules): its text as the
 * next version, by the caller the request names; 201 when new, 200 when it is the active text
 * already, 409 `publish-conflict` when other publishes kept winning the race.
 */
export async function publishAnswer(
  deps: PublishDeps,
  { text, source, form }: { text: string; source: string; form?: string },
  event: APIGatewayProxyEventV2,
  toJson: (ruleSet: StoredRuleSet) => unknown,
): Promise<HttpResult> {
  const outcome = await publishRuleSet(deps, text, source, publisherOf(event), form);
  if (outcome.kind === 'conflict') {
    throw problem('publish-conflict', 'Other publishes kept winning the race for the next version; retry.');
  }
  return jsonResult(outcome.kind === 'published' ? 201 : 200, JSON.stringify(toJson(outcome.ruleSet)));
}
