/**
 * `npm run bench -- node-overhead [--nodes 2000,20000] [--sizes 16,4096] [--runs 7]`: what one graph
 * node costs onnxruntime (CPU provider, 2 threads, the training sessions' options) beyond its
 * kernel's work: chains of alternating Mul/Add nodes on tiny tensors, timed at two lengths in one
 * process; the slope of time over node count is the per-node cost. Issue 18 asked whether the TPT
 * step's ~118k nodes (the scan split into cache-sized window blocks) cost real time this way.
 */
import * as G from '../../kernel/graph';
import { createSession } from '../../kernel/runtime/session';
import { timeRepeated } from './timing';
import { option } from './bench-args';

/** Median seconds of `runs` warm runs of a chain of `nodes` Mul/Add nodes over `size` elements. */
async function chainSeconds(nodes: number, size: number, runs: number): Promise<number> {
  const g = new G.Graph(`chain_${nodes}_${size}`);
  const x = g.input('x', [size]);
  let y = x;
  // Every node reads the graph input, so nothing folds to a constant; Mul and Add alternate so that
  // no optimizer pass can merge a run of one op.
  for (let i = 0; i < nodes; i++) y = i % 2 ? G.add(y, x) : G.mul(y, x);
  g.output('y', y);
  const session = await createSession(g, { provider: 'cpu', threads: 2, memPattern: false, cpuArena: true });
  const feeds = { x: { data: new Float32Array(size).fill(1.0001), shape: [size] } };
  await session.run(feeds);
  const { times } = await timeRepeated(() => session.run(feeds), runs);
  return [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)];
}

export async function main(args: string[]): Promise<void> {
  const [short, long] = option(args, '--nodes', '2000,20000').split(',').map(Number);
  const sizes = option(args, '--sizes', '16,4096').split(',').map(Number);
  const runs = Number(option(args, '--runs', '7'));
  if (!(long > short && short > 0)) throw new Error(`--nodes wants two increasing counts, got ${short},${long}`);
  process.stdout.write(`onnxruntime per-node cost (CPU provider, 2 threads, arena on, no memory pattern; median of ${runs} runs)\n`);
  for (const size of sizes) {
    const a = await chainSeconds(short, size, runs);
    const b = await chainSeconds(long, size, runs);
    const perNode = ((b - a) / (long - short)) * 1e6;
    process.stdout.write(`  ${size} elements: ${short} nodes ${(a * 1e3).toFixed(2)} ms, ${long} nodes ${(b * 1e3).toFixed(2)} ms -> ${perNode.toFixed(2)} µs per node\n`);
  }
}
