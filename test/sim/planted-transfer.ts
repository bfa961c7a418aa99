import type { TransferDeps, TransferInput, TransferResult } from '#app/transfer.ts';
import type { NewEvent } from '#ports/event-store.ts';
import { isVersionConflict } from '#ports/event-store.ts';

/**
 * A planted bug (test only, `--plant unguarded-transfer`): a transfer written the way a hurried
 * implementation would, straight to the store in one transaction with its key, and WITHOUT
 * deciding it against the payer's state: no balance check. The sim must catch the overdraft.
 */
export async function unguardedTransfer(deps: TransferDeps, input: TransferInput): Promise<TransferResult> {
  const used = await deps.store.findIdempotency(input.idempotency.key);
  if (used !== undefined) {
    return used.payloadHash === input.idempotency.payloadHash
      ? { kind: 'replayed', response: used.response }
      : { kind: 'key-reused' };
  }
  const occurredAtMs = deps.clock.nowMs();
  const transferId = deps.ids.newId();
  const { asset, amount, from, to } = input;
  const leg = (type: 'TransferredOut' | 'TransferredIn'): NewEvent =>
    (type === 'TransferredOut'
      ? {
          type,
          data: { transferId, asset, amount, to, occurredAtMs },
          eventId: `${transferId}-out`,
          recordedAtMs: occurredAtMs,
        }
      : {
          type,
          data: { transferId, asset, amount, from, occurredAtMs },
          eventId: `${transferId}-in`,
          recordedAtMs: occurredAtMs,
        }) as NewEvent;
  for (let attempt = 0; attempt < 30; attempt++) {
    const [payer, payee] = await Promise.all([deps.store.head(from, 0), deps.store.head(to, 0)]);
    const response = input.respond(transferId, [[], []]);
    try {
      const outcome = await deps.store.appendTogether({
        appends: [
          { walletId: from, expected: payer, events: [leg('TransferredOut')] },
          { walletId: to, expected: payee, events: [leg('TransferredIn')] },
        ],
        idempotency: { ...input.idempotency, response },
      });
      if (outcome.kind === 'appended') return { kind: 'recorded', response, conflicts: attempt };
      return outcome.kind === 'duplicate'
        ? { kind: 'replayed', response: outcome.record.response }
        : { kind: 'key-reused' };
    } catch (error) {
      if (!isVersionConflict(error)) throw error;
    }
  }
  throw new Error('unguarded transfer: out of attempts');
}
