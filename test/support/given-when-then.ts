import { expect } from 'vitest';

/**
 * A decider as the domain exposes it: pure `decide` and `evolve`, plus the state before any event.
 */
export interface Decider<Command, Event, State> {
  decide: (command: Command, state: State) => Event[];
  evolve: (state: State, event: Event) => State;
  initialState: () => State;
}

export interface WhenStep<Event, State> {
  /** The command decided exactly these events. */
  then: (expected: Event[]) => void;
  /** Deciding threw; `check` (optional) asserts on the error, which must be an `errorType`. */
  thenThrows: <E extends Error>(
    errorType: abstract new (...args: never[]) => E,
    check?: (error: E) => void,
  ) => void;
  /** The state folded from the given events plus the decided ones deep-equals `expected`. */
  thenState: (expected: State) => void;
}

/**
 * Emmett-style `DeciderSpecification`: `given(events).when(command)` then `.then(events)`,
 * `.thenThrows(ErrorType, check)` or `.thenState(state)`.
 * The given events are folded with `evolve` from `initialState`, so a test states history, not state.
 */
export const DeciderSpecification = {
  for<Command, Event, State>(decider: Decider<Command, Event, State>) {
    return (given: Event[]) => ({
      when: (command: Command): WhenStep<Event, State> => {
        const before = given.reduce(decider.evolve, decider.initialState());
        const run = (): Event[] => decider.decide(command, before);
        return {
          // biome-ignore lint/suspicious/noThenProperty: Emmett's DeciderSpecification reads `.then(events)`; the step is never awaited.
          then: (expected) => {
            expect(run()).toEqual(expected);
          },
          thenThrows: (errorType, check) => {
            let thrown: unknown;
            try {
              run();
            } catch (error) {
              thrown = error;
            }
            expect(thrown, 'expected the command to be rejected').toBeInstanceOf(errorType);
            check?.(thrown as InstanceType<typeof errorType>);
          },
          thenState: (expected) => {
            expect(run().reduce(decider.evolve, before)).toEqual(expected);
          },
        };
      },
    });
  },
};
