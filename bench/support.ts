/** What the benchmarks share: clients of DynamoDB Local, seeding items straight into the table, and CPU figures. */
import { readdir, readFile } from 'node:fs/promises';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient, QUIET_LOGGER } from '#adapters/dynamodb/client.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '#adapters/local/dynamodb-local.ts';

/** The raw client (table set-up, the baselines' own commands) and the document client the stores use. */
export function localClients(endpoint: string): { raw: DynamoDBClient; documents: DynamoDBDocumentClient } {
  return {
    raw: new DynamoDBClient({
      endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      logger: QUIET_LOGGER,
    }),
    documents: createDocumentClient({ endpoint, region: LOCAL_REGION }),
  };
}

const BATCH_WRITE_MAX = 25;

/** Writes the items with BatchWriteItem, 25 at a time, retrying what DynamoDB left unprocessed. */
export async function batchWrite(
  client: DynamoDBDocumentClient,
  table: string,
  items: Record<string, unknown>[],
): Promise<void> {
  for (let start = 0; start < items.length; start += BATCH_WRITE_MAX) {
    let requests = items
      .slice(start, start + BATCH_WRITE_MAX)
      .map((Item) => ({ PutRequest: { Item } })) as NonNullable<
      BatchWriteCommand['input']['RequestItems']
    >[string];
    for (let attempt = 0; requests.length > 0; attempt++) {
      if (attempt > 10) throw new Error('BatchWriteItem kept leaving items unprocessed');
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** Math.min(attempt, 6)));
      const result = await client.send(new BatchWriteCommand({ RequestItems: { [table]: requests } }));
      requests = result.UnprocessedItems?.[table] ?? [];
    }
  }
}

/**
 * CPU seconds used so far by this process and by the DynamoDB Local JVM (Linux /proc; 0 elsewhere,
 * and without a JVM pid).
 */
export async function cpuSeconds(jvmPid?: number): Promise<{ node: number; jvm: number }> {
  const usage = process.cpuUsage();
  let jvm = 0;
  if (jvmPid !== undefined)
    try {
      const stat = await readFile(`/proc/${jvmPid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      jvm = (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks (USER_HZ 100)
    } catch {
      // not Linux: the figure is left out
    }
  return { node: (usage.user + usage.system) / 1e6, jvm };
}

export const cpuSince = async (jvmPid: number | undefined, before: { node: number; jvm: number }) => {
  const now = await cpuSeconds(jvmPid);
  return { node: now.node - before.node, jvm: now.jvm - before.jvm };
};

/**
 * Each thread's CPU seconds so far in process `pid`, by thread id, with its kind (its name without
 * numbers: `C# CompilerThre` is the JIT compiler's, `SQLiteQueue[]` DynamoDB Local's storage thread).
 */
export async function threadCpu(pid: number): Promise<Map<string, { kind: string; s: number }>> {
  const out = new Map<string, { kind: string; s: number }>();
  for (const tid of await readdir(`/proc/${pid}/task`)) {
    try {
      const stat = await readFile(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(tid, {
        kind: name.replace(/[0-9]+/g, '#'),
        s: (Number(fields[11]) + Number(fields[12])) / 100,
      });
    } catch {
      // the thread ended
    }
  }
  return out;
}

/** Prints a Markdown table to stdout, columns padded to their widest cell. */
export function printTable(header: readonly string[], rows: readonly (readonly string[])[]): void {
  const all = [header, ...rows];
  const width = header.map((_, col) => Math.max(...all.map((row) => row[col]?.length ?? 0)));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell, i) => cell.padEnd(width[i] ?? 0)).join(' | ')} |`;
  process.stdout.write(
    `${[line(header), line(width.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')}\n`,
  );
}
