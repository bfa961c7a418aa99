import type { TestProject } from 'vitest/node';
import { type DynamoDbLocal, startDynamoDbLocal } from '../functions/adapters/local/dynamodb-local.ts';

/**
 * Starts ONE in-memory DynamoDB Local for the integration and e2e projects and provides its
 * endpoint (`inject('dynamodbEndpoint')`). Vitest runs this setup once per project that has selected
 * files, each in its own module instance, so the JVM is shared through a reference count on
 * globalThis: the first project starts it, the last teardown stops it.
 *
 * TALLY_TEST_DYNAMODB_ENDPOINT points the tests at a DynamoDB Local that is already running.
 */
interface Shared {
  users: number;
  started: Promise<DynamoDbLocal>;
}

const KEY = Symbol.for('tally.test.dynamodbLocal');
const registry = globalThis as typeof globalThis & { [KEY]?: Shared };

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.TALLY_TEST_DYNAMODB_ENDPOINT;
  if (external) {
    project.provide('dynamodbEndpoint', external);
    return async () => undefined;
  }
  let shared = registry[KEY];
  if (shared === undefined) {
    shared = { users: 0, started: startDynamoDbLocal({ port: 'any', inMemory: true }) };
    registry[KEY] = shared;
  }
  shared.users++;
  const database = await shared.started;
  project.provide('dynamodbEndpoint', database.endpoint);
  return async () => {
    const current = registry[KEY];
    if (current === undefined) return;
    current.users--;
    if (current.users === 0) {
      delete registry[KEY];
      await database.stop();
    }
  };
}
