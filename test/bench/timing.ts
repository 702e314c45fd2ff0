/** Wall-clock helpers the benches share. */

/** Seconds on the monotonic clock. */
export const now = (): number => Number(process.hrtime.bigint()) / 1e9;

/**
 * Times `f` once cold (graph build, session compile, first run) and then `runs` more times warm;
 * seconds. The cold call is kept apart because compile time is not throughput.
 */
export async function timeRepeated(f: () => Promise<unknown>, runs: number): Promise<{ first: number; times: number[] }> {
  const t0 = now();
  await f();
  const first = now() - t0;
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = now();
    await f();
    times.push(now() - t);
  }
  return { first, times };
}
