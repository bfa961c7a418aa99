import { type FileHandle, mkdir, open, readFile, rename } from 'node:fs/promises';
import * as path from 'node:path';
import { SendMessageCommand, type SendMessageCommandInput, type SQSClient } from '@aws-sdk/client-sqs';

/**
 * The local queues' write-ahead journal, so a 202 from `POST /events` means what SQS's does in AWS:
 * the message survives the process (issue 15 §6 — killing the runtime lost 7 of 252 accepted
 * events while they sat in fauxqs' memory).
 *
 * It sits in the emulator's HTTP server, so every client (the handlers', the pollers', a
 * developer's AWS CLI) goes through it without knowing: a SendMessage is written to the journal,
 * and fsynced, before its answer leaves; a DeleteMessage (the consumer is done) is written after.
 * At the next start the messages sent and never deleted are sent again, to the queue of the same
 * name. A message can thus come twice (one processed but not yet deleted when the process died):
 * SQS is at-least-once too, and the consumers are idempotent (ingest by event key, jobs by id).
 * A message the redrive policy moved to a DLQ keeps its id, so it is sent again to the queue it
 * was first sent to, where it fails and is dead-lettered again.
 */
export interface JournalEntry {
  queue: string;
  id: string;
  /** The SendMessage input without its QueueUrl (its port changes between runs). */
  input: Omit<SendMessageCommandInput, 'QueueUrl'>;
}

type Line =
  | { op: 'sent'; queue: string; id: string; input: JournalEntry['input'] }
  | { op: 'deleted'; ids: string[] };

/** The part of a fauxqs (fastify) request and answer the journal reads. */
interface SqsCall {
  action: string;
  body: Record<string, unknown>;
  answer: Record<string, unknown>;
}

export class QueueJournal {
  private handle: FileHandle | undefined;
  /** Receipt handle → message id, from ReceiveMessage answers, for the deletes that name handles. */
  private readonly receipts = new Map<string, string>();
  private pendingLines: string[] = [];
  private flushing: Promise<void> | undefined;

  private constructor(readonly file: string) {}

  /**
   * Opens the journal and compacts it: what comes back is every message sent and not deleted, in
   * the order sent; the file then holds only those.
   */
  static async open(file: string): Promise<{ journal: QueueJournal; pending: JournalEntry[] }> {
    await mkdir(path.dirname(file), { recursive: true });
    const pending = await readPending(file);
    const aside = `${file}.${process.pid}.tmp`;
    await writeAll(
      aside,
      pending.map((entry) => JSON.stringify({ op: 'sent', ...entry } satisfies Line)),
    );
    await rename(aside, file);
    const journal = new QueueJournal(file);
    journal.handle = await open(file, 'a');
    return { journal, pending };
  }

  /** Journals one answered SQS call. A send is durable when this resolves; call it before answering. */
  async record(call: SqsCall): Promise<void> {
    const lines = this.linesOf(call);
    if (lines.length === 0) return;
    const durable = lines.some((line) => line.op === 'sent');
    this.pendingLines.push(...lines.map((line) => JSON.stringify(line)));
    // Deletes need no fsync: losing one only delivers a finished message again.
    if (durable) await this.flush();
    else void this.flush().catch(() => undefined);
  }

  /** Sends the entries again (each gets a new id, journaled as it is sent), then drops the old ids. */
  async resend(client: SQSClient, pending: readonly JournalEntry[], queueUrls: ReadonlyMap<string, string>) {
    let resent = 0;
    for (const entry of pending) {
      const queueUrl = queueUrls.get(entry.queue);
      if (queueUrl === undefined) continue; // a queue this runtime no longer has: kept for a later start
      await client.send(new SendMessageCommand({ ...entry.input, QueueUrl: queueUrl }));
      // Sent again under a new id (the hook journaled it): the old entry is done.
      this.pendingLines.push(JSON.stringify({ op: 'deleted', ids: [entry.id] } satisfies Line));
      resent++;
    }
    await this.flush();
    return resent;
  }

  async close(): Promise<void> {
    await this.flush();
    await this.handle?.close();
    this.handle = undefined;
  }

  private linesOf({ action, body, answer }: SqsCall): Line[] {
    const queue = queueName(body.QueueUrl);
    switch (action) {
      case 'SendMessage': {
        const { QueueUrl: _url, ...input } = body as unknown as SendMessageCommandInput;
        return typeof answer.MessageId === 'string'
          ? [{ op: 'sent', queue, id: answer.MessageId, input }]
          : [];
      }
      case 'SendMessageBatch': {
        const entries = (body.Entries ?? []) as (SendMessageCommandInput & { Id: string })[];
        const sent = (answer.Successful ?? []) as { Id: string; MessageId: string }[];
        return sent.flatMap(({ Id, MessageId }) => {
          const entry = entries.find((candidate) => candidate.Id === Id);
          if (entry === undefined) return [];
          const { Id: _id, QueueUrl: _url, ...input } = entry;
          return [{ op: 'sent' as const, queue, id: MessageId, input }];
        });
      }
      case 'ReceiveMessage':
        for (const message of (answer.Messages ?? []) as { MessageId: string; ReceiptHandle: string }[])
          this.receipts.set(message.ReceiptHandle, message.MessageId);
        return [];
      case 'DeleteMessage':
        return this.deleted([String(body.ReceiptHandle)]);
      case 'DeleteMessageBatch': {
        const entries = (body.Entries ?? []) as { Id: string; ReceiptHandle: string }[];
        const done = new Set(((answer.Successful ?? []) as { Id: string }[]).map((entry) => entry.Id));
        return this.deleted(
          entries.filter((entry) => done.has(entry.Id)).map((entry) => entry.ReceiptHandle),
        );
      }
      default:
        return [];
    }
  }

  private deleted(receiptHandles: string[]): Line[] {
    const ids = receiptHandles.flatMap((receipt) => {
      const id = this.receipts.get(receipt);
      this.receipts.delete(receipt);
      return id === undefined ? [] : [id];
    });
    return ids.length === 0 ? [] : [{ op: 'deleted', ids }];
  }

  /** Group commit: lines queued while a write is in flight go out together in the next one. */
  private async flush(): Promise<void> {
    while (this.flushing !== undefined) await this.flushing;
    if (this.pendingLines.length === 0 || this.handle === undefined) return;
    const lines = this.pendingLines;
    this.pendingLines = [];
    const handle = this.handle;
    this.flushing = (async () => {
      await handle.appendFile(`${lines.join('\n')}\n`);
      await handle.datasync();
    })().finally(() => {
      this.flushing = undefined;
    });
    await this.flushing;
  }
}

function queueName(queueUrl: unknown): string {
  return typeof queueUrl === 'string' ? (queueUrl.split('/').at(-1) ?? queueUrl) : '';
}

async function readPending(file: string): Promise<JournalEntry[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const sent = new Map<string, JournalEntry>();
  for (const raw of text.split('\n')) {
    let line: Line;
    try {
      line = JSON.parse(raw) as Line;
    } catch {
      continue; // a line cut by the crash: its send was never answered
    }
    if (line.op === 'sent') sent.set(line.id, { queue: line.queue, id: line.id, input: line.input });
    else if (line.op === 'deleted') for (const id of line.ids) sent.delete(id);
  }
  return [...sent.values()];
}

async function writeAll(file: string, lines: string[]): Promise<void> {
  const handle = await open(file, 'w');
  try {
    if (lines.length > 0) await handle.appendFile(`${lines.join('\n')}\n`);
    await handle.datasync();
  } finally {
    await handle.close();
  }
}
