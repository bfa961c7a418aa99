import { enableGroupCommit } from '#app/group-commit.ts';
import type { EventStore } from '#ports/event-store.ts';

/**
 * A process of its own on `table` (a handle group commit queues on apart) whose key look-ups
 * (`findIdempotency`) wait until `open()`, as a slow key read against a remote table: what a
 * write sends with its look-up is out, and the test acts in that window. `calls` counts the
 * look-ups of each store method through it (a call's, or a check that the store has one).
 */
export function gatedKeyLookups(table: EventStore, groupCommit: boolean) {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  const calls: Record<string, number> = {};
  const store = new Proxy(table, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property);
      if (typeof value !== 'function') return value;
      calls[String(property)] = (calls[String(property)] ?? 0) + 1;
      if (property === 'findIdempotency')
        return async (...args: unknown[]) => {
          await gate;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      return (value as (...a: unknown[]) => unknown).bind(target);
    },
  });
  if (groupCommit) enableGroupCommit(store);
  return { store, open, calls };
}
