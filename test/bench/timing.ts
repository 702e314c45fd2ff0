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

/** Wall and process-CPU seconds per call, appended by timeInterleaved. */
export interface TimedEntry {
  times: number[];
  cpu: number[];
}

/**
 * Calls `run` on every entry once per round for `runs` rounds, interleaved so that the slow phases
 * of a shared machine fall on every variant alike; appends each call's wall seconds to `times` and
 * its process CPU seconds (the steadier figure under load) to `cpu`.
 */
export async function timeInterleaved<T extends TimedEntry>(entries: readonly T[], runs: number, run: (entry: T) => Promise<unknown>): Promise<void> {
  for (let k = 0; k < runs; k++) {
    for (const e of entries) {
      const t = now();
      const c = process.cpuUsage();
      await run(e);
      e.times.push(now() - t);
      const dc = process.cpuUsage(c);
      e.cpu.push((dc.user + dc.system) / 1e6);
    }
  }
}
