/**
 * The calls a use case makes to its stores, grouped in the rounds it waits on: every call joins
 * the round of the calls sent with it (in the same turn), and each is answered a timer tick later,
 * as a remote table answers. The rounds are the sequential waits a first call pays.
 */
export class Rounds {
  private readonly rounds: string[][] = [];
  private open: string[] | undefined;

  /** `target` with each method call counted in its round (`seen` also gets the call's arguments). */
  remote<T extends object>(target: T, seen?: (name: string, args: unknown[]) => void): T {
    return new Proxy(target, {
      get: (object, name, receiver) => {
        const value: unknown = Reflect.get(object, name, receiver);
        if (typeof value !== 'function') return value;
        const call = (args: unknown[]) => {
          if (this.open === undefined) {
            const round: string[] = [];
            this.open = round;
            this.rounds.push(round);
            setTimeout(() => (this.open = undefined), 0);
          }
          this.open.push(String(name));
          seen?.(String(name), args);
          return new Promise((resolve) => setTimeout(resolve, 1));
        };
        // A method that answers pages (an async generator): the call counts when its first page is asked for.
        if (value.constructor.name === 'AsyncGeneratorFunction')
          return async function* (...args: unknown[]) {
            await call(args);
            yield* value.apply(object, args);
          };
        return async (...args: unknown[]) => {
          await call(args);
          return value.apply(object, args);
        };
      },
    });
  }

  /** Each round's calls, sorted (calls sent together have no order). */
  list(): string[][] {
    return this.rounds.map((round) => [...round].sort());
  }
}
