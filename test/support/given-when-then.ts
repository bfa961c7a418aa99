import { expect } from 'vitest';

/**
 * A decider as the domain exposes it: pure `decide` and `evolve`, plus the state before any event.
 * `decide` answers the events it decided, or a rejection (a value, not a throw). `evolve` folds
 * events as the store gives them back (`Stored`: with their place in the log), which may be more
 * than what `decide` returns.
 */
export interface Decider<Command, Event, State, Stored = Event, Rejection = never> {
  decide: (command: Command, state: State) => readonly Event[] | Rejection;
  evolve: (state: State, event: Stored) => State;
  initialState: () => State;
}

export interface SpecOptions<Event, State, Stored, Rejection> {
  /** Tells a rejection from a list of events. */
  isRejection?: (result: unknown) => result is Rejection;
  /** Gives a decided event its place in the log after `given`, so `thenState` can fold it. */
  record?: (event: Event, index: number, before: State) => Stored;
}

/** What `toMatchObject` takes: any part of the state, at any depth (Maps and bigints compare whole). */
export type DeepPartial<T> = T extends ReadonlyMap<unknown, unknown> | bigint | string | number | boolean
  ? T
  : { [K in keyof T]?: DeepPartial<T[K]> };

export interface WhenStep<Event, State, Rejection> {
  /** The command decided exactly these events. */
  then: (expected: readonly Event[]) => void;
  /** The command decided nothing: the state already is as asked. */
  thenNothing: () => void;
  /** The command was rejected; `check` asserts on the rejection. */
  thenRejects: (check: (rejection: Rejection) => void) => void;
  /** Deciding threw (a bug, not a rejection); `check` asserts on the error, which must be an `errorType`. */
  thenThrows: <E extends Error>(
    errorType: abstract new (...args: never[]) => E,
    check?: (error: E) => void,
  ) => void;
  /** The state folded from the given events plus the decided ones deep-equals `expected`. */
  thenState: (expected: State) => void;
  /** …or has at least what `expected` says (the fields a test is about). */
  thenStateMatches: (expected: DeepPartial<State>) => void;
}

/**
 * Emmett-style `DeciderSpecification`: `given(events).when(command)` then `.then(events)`,
 * `.thenNothing()`, `.thenRejects(check)`, `.thenThrows(ErrorType, check)` or `.thenState(state)`.
 * The given events are folded with `evolve` from `initialState`, so a test states history, not state.
 */
export const DeciderSpecification = {
  for<Command, Event, State, Stored = Event, Rejection = never>(
    decider: Decider<Command, Event, State, Stored, Rejection>,
    options: SpecOptions<Event, State, Stored, Rejection> = {},
  ) {
    const isRejection = options.isRejection ?? ((_result: unknown): _result is Rejection => false);
    const record = options.record ?? ((event: Event) => event as unknown as Stored);
    return (given: readonly Stored[]) => ({
      when: (command: Command): WhenStep<Event, State, Rejection> => {
        const before = given.reduce(decider.evolve, decider.initialState());
        const run = () => decider.decide(command, before);
        const decided = (): readonly Event[] => {
          const result = run();
          if (isRejection(result))
            expect.fail(`expected events, the command was rejected: ${String(result)}`);
          return result as readonly Event[];
        };
        const after = (): State =>
          decided()
            .map((event, index) => record(event, index, before))
            .reduce(decider.evolve, before);
        return {
          // biome-ignore lint/suspicious/noThenProperty: Emmett's DeciderSpecification reads `.then(events)`; the step is never awaited.
          then: (expected) => {
            expect(decided()).toEqual(expected);
          },
          thenNothing: () => {
            expect(decided()).toEqual([]);
          },
          thenRejects: (check) => {
            const result = run();
            expect(isRejection(result), `expected a rejection, got ${JSON.stringify(result, bigints)}`).toBe(
              true,
            );
            check(result as Rejection);
          },
          thenThrows: (errorType, check) => {
            let thrown: unknown;
            try {
              run();
            } catch (error) {
              thrown = error;
            }
            expect(thrown, 'expected deciding to throw').toBeInstanceOf(errorType);
            check?.(thrown as InstanceType<typeof errorType>);
          },
          thenState: (expected) => {
            expect(after()).toEqual(expected);
          },
          thenStateMatches: (expected) => {
            expect(after()).toMatchObject(expected as object);
          },
        };
      },
    });
  },
};

const bigints = (_key: string, value: unknown) => (typeof value === 'bigint' ? `${value}n` : value);
