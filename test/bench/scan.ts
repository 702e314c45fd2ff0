/**
 * `npm run bench -- scan [--runs 3] [--windows 320] [--no-scan] [--no-step] [--no-recompute]`
 *
 * The selective scan's backward side by side in one run, each measurement in its own child process
 * (so each peak RSS is its own): generic autodiff through every chunk node ('autodiff', the engine
 * before kernel/graph/custom-gradient.ts) against the reverse-time chunked recurrence ('recurrence',
 * kernel/models/selective-scan.ts).
 * - scan: one official stage-0 block, batch 1 with TPT prompts: 320 windows × (256 + 50) steps ×
 *   E 72 × N 16, window groups as training graphs use them; loss Σ y·W, gradients for u, δ, A, B, C.
 *   Forward alone, then forward + backward: time (median of `runs` after a warm-up), nodes, peak RSS.
 * - step: one official TPT training step (prompts + cls head, AdamW, batch 1, the trainer's default
 *   activation recomputation unless --no-recompute) built with each backward: nodes, graph build +
 *   session time, step time, peak RSS (needs ../shared/fixtures; several GB: run the bench under
 *   `flock /tmp/neurostorm-bigmem.lock`).
 */
import { scanFeeds } from './scan-feeds';
import { now, timeRepeated } from './timing';
import { spawnSync } from 'child_process';
import * as path from 'path';
import { packageRoot } from '../../kernel/version';
import * as models from '../../kernel/models';
import * as G from '../../kernel/graph';
import { createSession } from '../../kernel/runtime/session';
import { ParameterStore } from '../../kernel/runtime/param-store';
import { Trainer } from '../../kernel/runtime/trainer';
import type { HostTensor } from '../../kernel/runtime/host-tensor';
import { selectiveScan, withScanBackward, ScanBackward } from '../../kernel/models/selective-scan';
import { scanOptionsFor } from '../../kernel/models/graph/blocks';
import { buildTrainStep, TRAIN_SCAN_GROUP_ELEMENTS } from '../../kernel/train/trainer';

type Result = Record<string, number | number[]>;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const peakMB = () => Math.round(process.resourceUsage().maxRSS / 1024);
const SESSION = { provider: 'cpu', threads: 2 } as const;

/** One stage-0 scan: 'forward' only, or forward + backward with the given backward. */
async function childScan(variant: 'forward' | ScanBackward, windows: number, runs: number): Promise<Result> {
  const [M, L, E, N] = [windows, 256 + 50, 72, 16];
  const g = new G.Graph('scan');
  const u = g.input('u', [M, L, E]);
  const d = g.input('delta', [M, L, E]);
  const A = g.input('A', [E, N]);
  const B = g.input('B', [M, L, N]);
  const C = g.input('C', [M, L, N]);
  const W = g.input('W', [M, L, E]);
  const backward = variant === 'forward' ? 'recurrence' : variant;
  const y = selectiveScan(u, d, A, B, C, { ...scanOptionsFor(M, L, E, N, TRAIN_SCAN_GROUP_ELEMENTS), backward });
  const loss = g.output('loss', G.sum(G.mul(y, W)));
  const forwardNodes = g.nodes.length;
  if (variant !== 'forward') G.gradients(loss, [u, d, A, B, C]).forEach((t, i) => g.output(`grad${i}`, t));
  const session = await createSession(g, SESSION);
  const feeds = scanFeeds(M, L, E, N, true);
  const { times } = await timeRepeated(() => session.run(feeds), runs);
  return { s: times, nodes: g.nodes.length, backward_nodes: g.nodes.length - forwardNodes, peak_rss_mb: peakMB() };
}

/** One official TPT training step (batch 1) with the given scan backward. */
async function childStep(backward: ScanBackward, recompute: boolean): Promise<Result> {
  const folder = path.join(process.env.NEUROSTORM_FIXTURES ?? path.join(packageRoot(), '..', 'shared', 'fixtures', 'neurostorm'), 'official');
  const model = await models.load(folder, { session: SESSION });
  const x = models.fixtureInput(1, model.config.imgSize);
  const t0 = now();
  const { step, built } = withScanBackward(backward, () => buildTrainStep(model, { task: 'cls', mode: 'tpt', batch: 1, recompute }));
  const values = model.parameterValues();
  const entries = built.params.names().map(n => [n, { data: values.get(n)!.slice(), shape: [...step.graph.paramInfo(n)!.tensor.shape] }] as [string, HostTensor]);
  const trainer = await Trainer.create(step, new ParameterStore(entries), SESSION);
  const build = now() - t0;
  const t1 = now();
  const r = await trainer.step({ x, target: { data: Float32Array.of(1), shape: [1, 1] } }, 1e-4);
  return { build_s: build, s: [now() - t1], loss: r.loss, nodes: step.graph.nodes.length, peak_rss_mb: peakMB() };
}

function runChild(args: string[]): Result | string {
  const r = spawnSync(process.execPath, [__filename, '--child', ...args], { encoding: 'utf8', maxBuffer: 1 << 24 });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as Result;
  } catch {
    return `failed (exit ${r.status}${r.signal ? `, ${r.signal}` : ''}): ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`;
  }
}

const sec = (r: Result) => median(r.s as number[]);

export async function main(args: string[]): Promise<void> {
  if (args[0] === '--child') {
    const [, kind, variant, a, b] = args;
    const res = kind === 'scan' ? await childScan(variant as 'forward' | ScanBackward, Number(a), Number(b)) : await childStep(variant as ScanBackward, a !== 'off');
    process.stdout.write(`${JSON.stringify(res)}\n`);
    return;
  }
  const value = (name: string, dflt: string) => {
    const i = args.indexOf(name);
    return i >= 0 && args[i + 1] ? args[i + 1] : dflt;
  };
  const runs = value('--runs', '3');
  const windows = value('--windows', '320');
  const out = (s: string) => process.stdout.write(`${s}\n`);
  out(`selective-scan backward: generic autodiff through the chunk nodes vs the reverse-time chunked recurrence (onnxruntime-node CPU, 2 threads)`);
  if (!args.includes('--no-scan')) {
    out(`\n== scan, official stage 0 with prompts: ${windows} windows × 306 steps × E 72 × N 16; loss Σ y·W, gradients of u, δ, A, B, C ==`);
    const fwd = runChild(['scan', 'forward', windows, runs]);
    if (typeof fwd === 'string') out(`forward: ${fwd}`);
    else out(`forward only              ${sec(fwd).toFixed(3)} s; ${fwd.nodes} nodes; peak RSS ${fwd.peak_rss_mb} MB`);
    const scans: Partial<Record<ScanBackward, Result>> = {};
    for (const b of ['autodiff', 'recurrence'] as const) {
      const r = runChild(['scan', b, windows, runs]);
      if (typeof r === 'string') {
        out(`${b.padEnd(25)} ${r}`);
        continue;
      }
      scans[b] = r;
      const inForwards = typeof fwd === 'string' ? '' : ` (${(sec(r) / sec(fwd)).toFixed(2)} forwards)`;
      out(`${`forward+backward ${b}`.padEnd(25)} ${sec(r).toFixed(3)} s${inForwards}; ${r.nodes} nodes (backward ${r.backward_nodes}); peak RSS ${r.peak_rss_mb} MB`);
    }
    if (scans.autodiff && scans.recurrence) {
      const [a, c] = [scans.autodiff, scans.recurrence];
      out(`ratio recurrence/autodiff: time ${(sec(c) / sec(a)).toFixed(3)}, backward nodes ${((c.backward_nodes as number) / (a.backward_nodes as number)).toFixed(3)}, peak RSS ${((c.peak_rss_mb as number) / (a.peak_rss_mb as number)).toFixed(3)}`);
    }
  }
  if (args.includes('--no-step')) return;
  const recompute = args.includes('--no-recompute') ? 'off' : 'on';
  out(`\n== official TPT training step (prompts + cls head, AdamW, batch 1; activation recomputation ${recompute}) ==`);
  const steps: Partial<Record<ScanBackward, Result>> = {};
  for (const b of ['autodiff', 'recurrence'] as const) {
    const r = runChild(['step', b, recompute]);
    if (typeof r === 'string') {
      out(`${b.padEnd(11)} ${r}`);
      continue;
    }
    steps[b] = r;
    out(`${b.padEnd(11)} step ${sec(r).toFixed(2)} s; graph build + session ${(r.build_s as number).toFixed(1)} s; ${r.nodes} nodes; peak RSS ${r.peak_rss_mb} MB; loss ${(r.loss as number).toFixed(6)}`);
  }
  if (steps.autodiff && steps.recurrence) {
    const [a, c] = [steps.autodiff, steps.recurrence];
    out(`ratio recurrence/autodiff: step time ${(sec(c) / sec(a)).toFixed(3)}, nodes ${((c.nodes as number) / (a.nodes as number)).toFixed(3)}, peak RSS ${((c.peak_rss_mb as number) / (a.peak_rss_mb as number)).toFixed(3)}`);
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch(err => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  });
}
