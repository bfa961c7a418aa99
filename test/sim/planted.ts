import { laneAuthorize } from './planted-authorize.ts';
import { unguardedTransfer } from './planted-transfer.ts';
import type { WorldOptions } from './world.ts';

/**
 * Bugs planted on purpose, to show the simulation catches them (test/sim/sim.test.ts, and
 * `npm run sim -- --plant NAME`). None is reachable from a normal run.
 */
export const PLANTED: Record<string, NonNullable<WorldOptions['bugs']>> = {
  /** A store that answers 'appended' for 2 % of appends without keeping the events. */
  'drop-appends': { dropAppends: 0.02 },
  /**
   * A projector that, besides projecting properly, applies a deposit again when its stream record
   * is delivered a second time (the classic non-idempotent consumer).
   */
  'double-projector': {
    projector: async (world, instance, walletId, records) => {
      await world.system.project(instance, walletId, records);
      const seen = (world.scratch.seen as Set<string> | undefined) ?? new Set<string>();
      world.scratch.seen = seen;
      for (const record of records) {
        const id = `${record.walletId}/${record.lane}/${record.version}`;
        if (!seen.has(id)) {
          seen.add(id);
          continue;
        }
        const event = world.log(walletId).find((e) => e.lane === record.lane && e.version === record.version);
        const view = await world.inner.getView(walletId);
        if (event?.type !== 'Deposited' || view === undefined) continue;
        await world.inner.putView(
          { ...view, balanceMinor: view.balanceMinor + event.data.amountMinor },
          { replaceEqual: true },
        );
      }
    },
  },
  /** A transfer that skips the balance check (planted-transfer.ts): it overdraws. */
  'unguarded-transfer': { transfer: unguardedTransfer },
  /** Authorizations appended to spread lanes, not conditioned on lane 0 (planted-authorize.ts): racers over-approve. */
  'lane-authorize': { cardAction: laneAuthorize },
};
