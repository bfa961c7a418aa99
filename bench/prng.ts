/**
 * mulberry32: a small seeded generator, so every run of a benchmark measures the same data and a
 * test's interleavings and lane choices are the same every run. Alone in its module: the tests
 * import it without the bench's clients (support.ts).
 */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
