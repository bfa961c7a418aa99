/**
 * A value built the first time it is asked for, then kept: for the item schemas a function's
 * writes seldom read (an idempotency item is read on a replay, a lane registry only on a wallet
 * with shard lanes, the read indexes by the queries), so a cold start that does not read them
 * does not build them. zod builds a schema's whole tree when it is declared (about 0.1 ms an
 * object, more for the first schema of a process); a module of schemas every call parses keeps
 * them declared at load, as before.
 */
export function onFirstUse<T>(build: () => T): () => T {
  let built: { value: T } | undefined;
  return () => {
    built ??= { value: build() };
    return built.value;
  };
}
