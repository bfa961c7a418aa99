/**
 * Counts the DynamoDB requests a bench scenario makes, by command: how many, how many failed (a
 * cancelled transaction is one), the items in its transactions, and the time spent waiting on them.
 * Divided by the operations answered (transfers in bench:trading, authorizations in
 * bench/cards/profile.ts), it says where an operation's cost goes.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

interface Tally {
  requests: number;
  failed: number;
  items: number;
  ms: number;
}

export class CallCounter {
  private readonly byCommand = new Map<string, Tally>();

  attach(client: DynamoDBDocumentClient): void {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const command = (context.commandName ?? 'unknown').replace(/Command$/, '');
        const tally = this.byCommand.get(command) ?? { requests: 0, failed: 0, items: 0, ms: 0 };
        this.byCommand.set(command, tally);
        tally.requests++;
        const items = (args.input as { TransactItems?: unknown[] }).TransactItems;
        if (items !== undefined) tally.items += items.length;
        const started = performance.now();
        try {
          return await next(args);
        } catch (error) {
          tally.failed++;
          throw error;
        } finally {
          tally.ms += performance.now() - started;
        }
      },
      { step: 'initialize', name: 'tallyBenchCalls', priority: 'low' },
    );
  }

  reset(): void {
    this.byCommand.clear();
  }

  /** Per operation answered: requests, failures and items of each command, and the mean wait per request. */
  perOperation(operations: number): Record<string, Record<string, number>> {
    const round = (value: number) => Math.round(value * 100) / 100;
    const divisor = Math.max(1, operations);
    return Object.fromEntries(
      [...this.byCommand.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([command, tally]) => [
          command,
          {
            requests: round(tally.requests / divisor),
            ...(tally.failed > 0 ? { failed: round(tally.failed / divisor) } : {}),
            ...(tally.items > 0 ? { itemsPerRequest: round(tally.items / tally.requests) } : {}),
            meanMs: round(tally.ms / Math.max(1, tally.requests)),
          },
        ]),
    );
  }
}
