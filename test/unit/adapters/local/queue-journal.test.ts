import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { QueueJournal } from '#adapters/local/queue-journal.ts';

const URL = 'http://127.0.0.1:4566/000000000000/tally-events';
let dir: string;
let file: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tally-journal-'));
  file = path.join(dir, 'queues', 'journal.jsonl');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const send = (journal: QueueJournal, id: string, body: string) =>
  journal.record({
    action: 'SendMessage',
    body: { QueueUrl: URL, MessageBody: body, MessageGroupId: 'g' },
    answer: { MessageId: id },
  });

describe('QueueJournal', () => {
  it('gives back what was sent and not deleted, in order, by queue name, without the QueueUrl', async () => {
    const { journal, pending } = await QueueJournal.open(file);
    expect(pending).toEqual([]);
    await send(journal, 'm1', 'one');
    await send(journal, 'm2', 'two');
    await journal.record({
      action: 'SendMessageBatch',
      body: {
        QueueUrl: URL,
        Entries: [
          { Id: 'a', MessageBody: 'three' },
          { Id: 'b', MessageBody: 'lost' },
        ],
      },
      answer: { Successful: [{ Id: 'a', MessageId: 'm3' }], Failed: [{ Id: 'b' }] },
    });
    await journal.record({
      action: 'ReceiveMessage',
      body: { QueueUrl: URL },
      answer: {
        Messages: [
          { MessageId: 'm1', ReceiptHandle: 'r1' },
          { MessageId: 'm3', ReceiptHandle: 'r3' },
        ],
      },
    });
    await journal.record({
      action: 'DeleteMessage',
      body: { QueueUrl: URL, ReceiptHandle: 'r1' },
      answer: {},
    });
    await journal.record({
      action: 'DeleteMessageBatch',
      body: { QueueUrl: URL, Entries: [{ Id: 'x', ReceiptHandle: 'r3' }] },
      answer: { Successful: [], Failed: [{ Id: 'x' }] }, // not deleted: stays
    });
    await journal.close();

    const reopened = await QueueJournal.open(file);
    expect(reopened.pending).toEqual([
      { queue: 'tally-events', id: 'm2', input: { MessageBody: 'two', MessageGroupId: 'g' } },
      { queue: 'tally-events', id: 'm3', input: { MessageBody: 'three' } },
    ]);
    await reopened.journal.close();
    // Compacted: only the two pending messages are left in the file.
    expect((await readFile(file, 'utf8')).trim().split('\n')).toHaveLength(2);
  });

  it('ignores a line cut by a crash, and deletes that name unknown receipts', async () => {
    const { journal } = await QueueJournal.open(file);
    await send(journal, 'm1', 'one');
    await journal.record({
      action: 'DeleteMessage',
      body: { QueueUrl: URL, ReceiptHandle: 'unknown' },
      answer: {},
    });
    await journal.close();
    await appendFile(file, '{"op":"sent","queue":"tally-events","id":"m9","inp');
    const { journal: again, pending } = await QueueJournal.open(file);
    expect(pending.map((entry) => entry.id)).toEqual(['m1']);
    await again.close();
  });
});
