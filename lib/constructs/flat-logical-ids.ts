import { createHash } from 'node:crypto';
import type { IConstruct } from 'constructs';

/**
 * Logical ids as if every resource sat at the stack root. The stack is organised in constructs that
 * read like the architecture diagram (Table, Ingest, Jobs, ...), but CloudFormation names a resource
 * by its construct path: moving the event-store table under `Table/` would give it a new logical id,
 * and CloudFormation would create a new, empty table (and orphan the old one). The grouping
 * constructs are therefore left out of the ids, which stay those of the flat stack they replaced.
 *
 * This mirrors aws-cdk-lib's private `makeUniqueId` (the `Default` id is hidden, `Resource` is left
 * out of the readable part, an 8-character MD5 of the path makes it unique). A test pins the ids of
 * the stateful resources so a change here cannot slip through.
 */
const HIDDEN_ID = 'Default';
const HIDDEN_FROM_HUMAN_ID = 'Resource';
const HASH_LEN = 8;
const MAX_HUMAN_LEN = 240;
const MAX_ID_LEN = 255;

export function uniqueIdOf(components: readonly string[]): string {
  const parts = components.filter((part) => part !== HIDDEN_ID);
  if (parts.length === 0) throw new Error('a unique id needs at least one path component');
  const alnum = (part: string) => part.replace(/[^A-Za-z0-9]/g, '');
  if (parts.length === 1 && alnum(parts[0] as string).length <= MAX_ID_LEN) return alnum(parts[0] as string);
  const hash = createHash('md5').update(parts.join('/')).digest('hex').slice(0, HASH_LEN).toUpperCase();
  const human: string[] = [];
  for (const part of parts) {
    const last = human[human.length - 1];
    if (last === undefined || !last.endsWith(part)) human.push(part);
  }
  return (
    human
      .filter((part) => part !== HIDDEN_FROM_HUMAN_ID)
      .map(alnum)
      .join('')
      .slice(0, MAX_HUMAN_LEN) + hash
  );
}

/** The path of a construct below its stack, without the ids of the grouping constructs. */
export function flatPath(
  construct: IConstruct,
  stack: IConstruct,
  groups: ReadonlySet<IConstruct>,
): string[] {
  const scopes = construct.node.scopes;
  const below = scopes.slice(scopes.indexOf(stack) + 1);
  return below.filter((scope) => !groups.has(scope)).map((scope) => scope.node.id);
}
