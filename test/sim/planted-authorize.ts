import { type CardAction, type CardDeps, type CardRequest, type CardResult, cardAction } from '#app/cards.ts';
import type { AppendRequest, EventStore } from '#ports/event-store.ts';

/**
 * A planted bug (test only, `--plant lane-authorize`): authorizations decided as the real use case
 * decides them, against the account's exact state, but appended to one of several lanes without
 * the condition on lane 0's head, as a hurried "approvals commute, spread them out" change would.
 * Racing authorizers then each approve against the same available credit: the sim must catch it.
 */
export async function laneAuthorize(
  deps: CardDeps,
  request: CardRequest,
  action: CardAction,
): Promise<CardResult> {
  if (action.kind !== 'authorize') return cardAction(deps, request, action);
  let spread = 0;
  const store = new Proxy(deps.store, {
    get(target, property) {
      if (property === 'append') {
        return async (append: AppendRequest) => {
          if (append.lane !== 0) return target.append(append);
          // A lane of its own for each attempt (from the event id, so runs repeat): no shared head.
          const id = append.events[0]?.eventId ?? '';
          const lane = 1 + ((id.length + id.charCodeAt(id.length - 1) + spread++) % 8);
          return target.append({ ...append, lane, expected: await target.head(append.walletId, lane) });
        };
      }
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as EventStore;
  return cardAction({ ...deps, store }, request, action);
}
