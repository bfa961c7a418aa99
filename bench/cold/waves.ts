/**
 * A first call's requests in waves (bench/cold/floor.ts): a request joins the wave it was sent in
 * before any of that wave's answers came back; otherwise it starts the next one, having waited.
 * `at` and `ms` are the request's start and duration (child.mjs's trace).
 */
export function wavesOf(requests: { target: string; at: number; ms: number }[]): string[][] {
  const waves: { kinds: string[]; firstAnswerAt: number }[] = [];
  for (const request of [...requests].sort((a, b) => a.at - b.at)) {
    const current = waves.at(-1);
    if (current !== undefined && request.at < current.firstAnswerAt) {
      current.kinds.push(request.target);
      current.firstAnswerAt = Math.min(current.firstAnswerAt, request.at + request.ms);
    } else waves.push({ kinds: [request.target], firstAnswerAt: request.at + request.ms });
  }
  return waves.map((wave) => wave.kinds);
}
