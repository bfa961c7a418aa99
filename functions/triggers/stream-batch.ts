import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import * as z from 'zod/mini';
import { eventRefFromSk, laneFromEventSk, walletIdFromPk } from '#composition/formats.ts';
import type { EventRef } from '#ports/event-store.ts';

const streamKeys = z.object({ pk: z.object({ S: z.string() }), sk: z.object({ S: z.string() }) });

/** Which lanes of which wallets a batch of stream records rang (records of other items are skipped). */
export function walletsRung(records: readonly DynamoDBRecord[]): Map<string, Set<number>> {
  const rang = new Map<string, Set<number>>();
  for (const record of records) {
    const keys = streamKeys.safeParse(record.dynamodb?.Keys);
    const walletId = keys.success ? walletIdFromPk(keys.data.pk.S) : undefined;
    const lane = keys.success ? laneFromEventSk(keys.data.sk.S) : undefined;
    if (walletId === undefined || lane === undefined) continue;
    rang.set(walletId, (rang.get(walletId) ?? new Set()).add(lane));
  }
  return rang;
}

/** The events a batch of stream records names, by their place in the log, with the item where the record carries it (other items skipped). */
export function eventsRung(records: readonly DynamoDBRecord[]): EventRef[] {
  const refs: EventRef[] = [];
  for (const record of records) {
    const keys = streamKeys.safeParse(record.dynamodb?.Keys);
    const walletId = keys.success ? walletIdFromPk(keys.data.pk.S) : undefined;
    const place = keys.success ? eventRefFromSk(keys.data.sk.S) : undefined;
    // A NEW_IMAGE stream's record carries the item: the store may decode it instead of reading.
    const image = record.dynamodb?.NewImage;
    if (walletId !== undefined && place !== undefined)
      refs.push({ walletId, ...place, ...(image === undefined ? {} : { image }) });
  }
  return refs;
}

/**
 * The table stream as a doorbell: each wallet named in the batch is handled once (`onWallet`, with
 * the lanes that rang), and each record waits for its wallet. A wallet that fails fails only its
 * own records (partial batch response); the rest of the batch is kept.
 */
export function processWalletDoorbells(
  event: DynamoDBStreamEvent,
  context: Context,
  processor: BatchProcessor,
  onWallet: (walletId: string, lanes: number[]) => Promise<void>,
): Promise<DynamoDBBatchResponse> {
  const rang = walletsRung(event.Records);
  const perWallet = new Map<string, Promise<void>>();
  const recordHandler = async (record: DynamoDBRecord): Promise<void> => {
    const keys = streamKeys.parse(record.dynamodb?.Keys);
    const walletId = walletIdFromPk(keys.pk.S);
    if (walletId === undefined) return; // not a wallet item: the event-source filter lets none through
    let handled = perWallet.get(walletId);
    if (handled === undefined) {
      handled = onWallet(walletId, [...(rang.get(walletId) ?? [])]);
      perWallet.set(walletId, handled);
    }
    await handled;
  };
  return processPartialResponse(event, recordHandler, processor, { context });
}

/** One processor per handler instance, as Powertools recommends for stream batches. */
export const streamProcessor = () => new BatchProcessor(EventType.DynamoDBStreams);
