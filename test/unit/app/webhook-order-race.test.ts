/**
 * An order's success whose state read (the buyer's, sent with the key look-up) is
 * overtaken before the two-wallet append: another event id of the same success, or the order's
 * failure, lands in between (another instance). The merchant is credited once (or not at all
 * after a failure), the buyer's hold is captured once, and the first delivery answers sensibly.
 */
import { describe, expect, it } from 'vitest';
import { gatedKeyLookups } from '../../support/gated-key-lookups.ts';
import { resigned, settle, webhookWorld as world } from '../../support/webhook-world.ts';

describe.each([true, false])(
  'review5: an order success overtaken after its read (group commit %s)',
  (groupCommit) => {
    it('another event id of the same success lands between the read and the append: merchant paid once', async () => {
      const w = world();
      const intentId = await w.orderIntent();
      const webhook = w.provider.settle(intentId, 'succeed');
      const other = resigned(webhook, (payload) => {
        payload.id = `${String(payload.id)}-again`;
      });
      const slow = gatedKeyLookups(w.table, groupCommit);
      const first = w.deliver(w.depsOn(slow.store, groupCommit), webhook);
      await settle();
      expect(await w.deliver(w.depsOn(w.table, false), other)).toMatchObject({
        kind: 'applied',
      });
      slow.open();
      expect(await first).toMatchObject({ kind: 'unchanged', response: { statusCode: 200 } });
      expect((await w.balance('m1')).balance).toBe(500n);
      expect(await w.count('w1', 'HoldCaptured')).toBe(1);
      expect(await w.count('m1', 'TransferredIn')).toBeLessThanOrEqual(1);
      // The purchase's and the order's.
      expect(await w.count('w1', 'PaymentSucceeded')).toBe(2);
    });

    it('the order fails (another event) between the read and the append: nothing reaches the merchant', async () => {
      const w = world();
      const intentId = await w.orderIntent();
      const success = w.provider.settle(intentId, 'succeed');
      const failure = resigned(success, (payload) => {
        payload.id = `${String(payload.id)}-fail`;
        payload.type = 'payment_intent.payment_failed';
        const data = payload.data as { object: Record<string, unknown> };
        data.object.status = 'requires_payment_method';
      });
      const slow = gatedKeyLookups(w.table, groupCommit);
      const first = w.deliver(w.depsOn(slow.store, groupCommit), success);
      await settle();
      const failed = await w.deliver(w.depsOn(w.table, false), failure);
      slow.open();
      const late = await first;
      expect(failed).toMatchObject({ kind: 'applied' });
      // The success's append, conditioned on the head its read found, fails; decided again, the hold
      // is released: the cash is owed back (refundDue), nothing reaches the merchant.
      expect(late).toMatchObject({ kind: 'applied' });
      expect((await w.balance('m1')).balance).toBe(0n);
      expect(await w.count('w1', 'HoldCaptured')).toBe(0);
    });

    it("an order's failed cash cancels the intent (the inspected state is the first read's)", async () => {
      const w = world();
      const intentId = await w.orderIntent();
      const failure = w.provider.settle(intentId, 'fail');
      const cancels: string[] = [];
      const cancel = w.provider.cancel.bind(w.provider);
      w.provider.cancel = (id: string) => {
        cancels.push(id);
        return cancel(id);
      };
      const counting = w.depsOn(w.table, groupCommit);
      const slowOpen = gatedKeyLookups(w.table, groupCommit);
      const pending = w.deliver({ ...counting, store: slowOpen.store }, failure);
      await settle();
      slowOpen.open();
      expect(await pending).toMatchObject({ kind: 'applied' });
      expect(cancels).toEqual([intentId]);
      expect((await w.balance('w1')).held ?? 0n).toBe(0n);
    });
  },
);
