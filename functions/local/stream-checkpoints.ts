import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import * as z from 'zod';

/**
 * Where the local stream poller stopped, per shard, kept in the data dir: Lambda's event source
 * mapping keeps this checkpoint for the managed service. Without it every start re-delivered the
 * whole stream (DynamoDB Local keeps a persistent table's stream records across restarts) — after
 * 90,000 events, ~900 projector invocations, each reading every wallet it names, that starved
 * DynamoDB Local for minutes (issue 10 §4.3).
 */
export interface ShardCheckpoint {
  /** The last record delivered (or given up on after its retries); the next read starts after it. */
  sequenceNumber?: string;
  /** The shard is closed and was read to its end: nothing is left to read in it. */
  finished?: boolean;
}

export interface StreamCheckpointStore {
  /** The checkpoints of this stream; none for another stream (the table was recreated). */
  load(streamArn: string): Promise<Map<string, ShardCheckpoint>>;
  save(streamArn: string, shards: ReadonlyMap<string, ShardCheckpoint>): Promise<void>;
}

const CheckpointFile = z.object({
  streamArn: z.string(),
  shards: z.record(
    z.string(),
    z.object({ sequenceNumber: z.string().regex(/^\d+$/).optional(), finished: z.boolean().optional() }),
  ),
});

/**
 * One JSON file, replaced atomically (write aside, then rename), so a kill -9 leaves the previous
 * checkpoint or the new one, never half of one. A file that does not parse is ignored with a
 * warning: re-reading the stream is slow but correct (the projector is idempotent).
 */
export class FileCheckpointStore implements StreamCheckpointStore {
  constructor(
    readonly file: string,
    private readonly log: (line: string) => void = () => undefined,
  ) {}

  async load(streamArn: string): Promise<Map<string, ShardCheckpoint>> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
      throw error;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const parsed = CheckpointFile.safeParse(json);
    if (!parsed.success) {
      this.log(`stream poller: ignoring ${this.file}, which is not a checkpoint file`);
      return new Map();
    }
    if (parsed.data.streamArn !== streamArn) return new Map();
    return new Map(
      Object.entries(parsed.data.shards).map(([shardId, checkpoint]) => [
        shardId,
        stripUndefined(checkpoint),
      ]),
    );
  }

  async save(streamArn: string, shards: ReadonlyMap<string, ShardCheckpoint>): Promise<void> {
    await mkdir(path.dirname(this.file), { recursive: true });
    const aside = `${this.file}.${process.pid}.tmp`;
    await writeFile(aside, JSON.stringify({ streamArn, shards: Object.fromEntries(shards) }));
    await rename(aside, this.file);
  }
}

function stripUndefined(checkpoint: ShardCheckpoint): ShardCheckpoint {
  return {
    ...(checkpoint.sequenceNumber === undefined ? {} : { sequenceNumber: checkpoint.sequenceNumber }),
    ...(checkpoint.finished === undefined ? {} : { finished: checkpoint.finished }),
  };
}

/** In memory, for tests: a "restart" is a new poller with the same store. */
export class MemoryCheckpointStore implements StreamCheckpointStore {
  private readonly streams = new Map<string, Map<string, ShardCheckpoint>>();
  saves = 0;

  async load(streamArn: string): Promise<Map<string, ShardCheckpoint>> {
    return new Map(this.streams.get(streamArn) ?? []);
  }

  async save(streamArn: string, shards: ReadonlyMap<string, ShardCheckpoint>): Promise<void> {
    this.saves++;
    this.streams.set(streamArn, new Map(shards));
  }
}
