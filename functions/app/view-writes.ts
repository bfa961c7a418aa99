import type { ReadModelStore, ViewWrite } from '#ports/read-models.ts';

/**
 * The read-model store as a stream batch's projections use it: every `putView` made in the same
 * turn of the event loop (a batch's wallets, folded from what the batch read at once) goes out
 * together, through `putViewEach` (one BatchExecuteStatement per 25 views in DynamoDB), instead
 * of one PutItem each. Each view keeps its own condition and its own answer, and is billed as a
 * single write, as before; a turn with one view writes it with putView, as before. A request that
 * fails fails every view it carried (each wallet's projection then fails and is retried, as when
 * its own PutItem failed). Without `putViewEach`, the store is used as it is.
 */
export function coalescedViewWrites(readModels: ReadModelStore): ReadModelStore {
  const putViewEach = readModels.putViewEach?.bind(readModels);
  if (putViewEach === undefined) return readModels;
  type Waiting = {
    write: ViewWrite;
    resolve: (outcome: 'written' | 'stale') => void;
    reject: (error: unknown) => void;
  };
  let queue: Waiting[] = [];
  const flush = async () => {
    const taken = queue;
    queue = [];
    try {
      const only = taken.length === 1 ? taken[0] : undefined;
      const outcomes =
        only === undefined
          ? await putViewEach(taken.map(({ write }) => write))
          : [await readModels.putView(only.write.view, only.write.options)];
      for (const [index, { resolve }] of taken.entries()) resolve(outcomes[index] ?? 'stale');
    } catch (error) {
      for (const { reject } of taken) reject(error);
    }
  };
  return {
    getView: (walletId) => readModels.getView(walletId),
    getViews: (walletIds) => readModels.getViews(walletIds),
    putViews: (views) => readModels.putViews(views),
    putViewEach,
    putView: (view, options) =>
      new Promise((resolve, reject) => {
        if (queue.length === 0) setImmediate(() => void flush());
        queue.push({ write: { view, ...(options === undefined ? {} : { options }) }, resolve, reject });
      }),
  };
}
