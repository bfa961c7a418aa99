import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** What a middleware on the document client sees of a command: its name, its input and (after `next`) its output. */
type Step = (
  commandName: string,
  args: { input: unknown },
  next: (args: { input: unknown }) => Promise<{ output: unknown }>,
) => Promise<{ output: unknown }>;

/**
 * `run` with `step` around each command the document client sends (at its `initialize` step, so
 * inputs and outputs are plain items, before marshalling and after unmarshalling): tests that
 * change a request or an answer, on any code that sends it.
 */
export async function withDocumentMiddleware<T>(
  documents: DynamoDBDocumentClient,
  name: string,
  step: Step,
  run: () => Promise<T>,
): Promise<T> {
  documents.middlewareStack.add(
    (next, context) => (args) =>
      step(context.commandName ?? '', args, next as never) as ReturnType<typeof next>,
    { step: 'initialize', name },
  );
  try {
    return await run();
  } finally {
    documents.middlewareStack.remove(name);
  }
}
