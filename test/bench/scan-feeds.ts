/**
 * Seeded inputs of a selective scan at given shapes (u, δ in softplus range, A = −(1..N), B, C), the
 * same values in every bench that times a scan, so their figures compare. `weights` adds W [M, L, E],
 * uniform in [0, 1), for benches that reduce the output to a weighted loss.
 */
/** float32 host tensors (assignable to HostTensor). */
export type Float32Feeds = Record<string, { data: Float32Array; shape: number[] }>;

export function scanFeeds(M: number, L: number, E: number, N: number, weights = false): Float32Feeds {
  let seed = 1;
  const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const fill = (n: number, f: (i: number) => number) => Float32Array.from({ length: n }, (_, i) => f(i));
  const feeds: Float32Feeds = {
    u: { data: fill(M * L * E, () => rnd() * 2 - 1), shape: [M, L, E] },
    delta: { data: fill(M * L * E, () => Math.log1p(Math.exp(rnd() * 6 - 4))), shape: [M, L, E] },
    A: { data: fill(E * N, i => -(1 + (i % N))), shape: [E, N] },
    B: { data: fill(M * L * N, () => rnd() * 2 - 1), shape: [M, L, N] },
    C: { data: fill(M * L * N, () => rnd() * 2 - 1), shape: [M, L, N] }
  };
  if (weights) feeds.W = { data: fill(M * L * E, () => rnd()), shape: [M, L, E] };
  return feeds;
}
