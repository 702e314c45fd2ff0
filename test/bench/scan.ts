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
 * `--versus BEFORE_LIB[,AFTER_LIB] [--runs 5] [--windows 320] [--steps 3] [--rounds 2] [--no-step]`: two builds
 * of the kernel (compiled trees holding kernel/models etc., e.g. `lib` of a checkout before a change;
 * AFTER_LIB defaults to this build) side by side:
 * - in ONE process, interleaved run by run: the stage-0 scan forward alone and forward + backward
 *   (TPT sizes, training window groups, training session settings: CPU arena, no memory pattern), each build's graphs; ratios after/before of the wall median
 *   and min CPU, and how far the after build's y and gradients are from the before build's;
 * - child processes alternating before/after for `rounds` rounds: the official TPT step (`steps`
 *   steps each, median of the steps after the first) and the official forward (3 runs after a
 *   warm-up) in the same child, peak RSS per child (several GB: run under the big-memory lock).
 */
import { scanFeeds } from './scan-feeds';
import { now, timeInterleaved, timeRepeated } from './timing';
import * as os from 'os';
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

/** The modules a kernel build provides to the --versus mode (this build's, or another compiled tree's). */
interface Build {
  root: string;
  models: typeof models;
  G: typeof G;
  scan: typeof import('../../kernel/models/selective-scan');
  blocks: typeof import('../../kernel/models/graph/blocks');
  train: typeof import('../../kernel/train/trainer');
  session: typeof import('../../kernel/runtime/session');
  store: typeof import('../../kernel/runtime/param-store');
  trainer: typeof import('../../kernel/runtime/trainer');
}

/** `lib` of a compiled tree (holding kernel/...), or '' for this build. */
function loadBuild(lib: string): Build {
  const root = lib ? path.resolve(lib) : path.resolve(__dirname, '..', '..');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const req = (p: string) => require(path.join(root, p));
  return {
    root,
    models: req('kernel/models'),
    G: req('kernel/graph'),
    scan: req('kernel/models/selective-scan'),
    blocks: req('kernel/models/graph/blocks'),
    train: req('kernel/train/trainer'),
    session: req('kernel/runtime/session'),
    store: req('kernel/runtime/param-store'),
    trainer: req('kernel/runtime/trainer')
  };
}

/** One stage-0 TPT-sized scan graph of a build: forward only (loss Σ y·W) or with the five gradients. */
async function scanSession(b: Build, windows: number, withBackward: boolean) {
  const [M, L, E, N] = [windows, 256 + 50, 72, 16];
  const g = new b.G.Graph('scan');
  const [u, d, A, B, C, W] = (
    [
      ['u', [M, L, E]],
      ['delta', [M, L, E]],
      ['A', [E, N]],
      ['B', [M, L, N]],
      ['C', [M, L, N]],
      ['W', [M, L, E]]
    ] as const
  ).map(([n, s]) => g.input(n, [...s]));
  const y = b.scan.selectiveScan(u, d, A, B, C, { ...b.blocks.scanOptionsFor(M, L, E, N, b.train.TRAIN_SCAN_GROUP_ELEMENTS), backward: 'recurrence' });
  g.output('y', y);
  const loss = g.output('loss', b.G.sum(b.G.mul(y, W)));
  if (withBackward) b.G.gradients(loss, [u, d, A, B, C]).forEach((t, i) => g.output(`grad${i}`, t));
  // The training sessions' allocator settings (kernel/runtime/trainer.ts): CPU arena on, no memory pattern.
  return { session: await b.session.createSession(g, { ...SESSION, memPattern: false, cpuArena: true }), nodes: g.nodes.length };
}

/** max |a − b| / max |b|. */
function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let err = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    err = Math.max(err, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return err / scale;
}

/** The --versus scan part: both builds' scan graphs in this process, interleaved. */
async function versusScan(builds: Build[], windows: number, runs: number, out: (s: string) => void): Promise<void> {
  const feeds = scanFeeds(windows, 306, 72, 16, true);
  const rows: { name: string; run: () => Promise<Record<string, { data: unknown }>>; nodes: number; times: number[]; cpu: number[] }[] = [];
  for (const withBackward of [false, true]) {
    for (const [k, b] of builds.entries()) {
      const { session, nodes } = await scanSession(b, windows, withBackward);
      rows.push({ name: `${withBackward ? 'forward+backward' : 'forward'} ${k ? 'after' : 'before'}`, run: () => session.run(feeds), nodes, times: [], cpu: [] });
    }
  }
  const outs: Record<string, { data: unknown }>[] = [];
  for (const r of rows) outs.push(await r.run()); // warm-up (first run), and the values to compare
  await timeInterleaved(rows, runs, r => r.run());
  out(`stage-0 TPT scan, ${windows} windows × 306 steps × E 72 × N 16, training window groups; ${runs} interleaved runs; load ${os.loadavg().map(l => l.toFixed(2)).join(' ')}`);
  for (const r of rows) out(`${r.name.padEnd(24)} median ${median(r.times).toFixed(3)} s, min ${Math.min(...r.times).toFixed(3)} s, min CPU ${Math.min(...r.cpu).toFixed(3)} s; ${r.nodes} nodes; runs ${r.times.map(t => t.toFixed(2)).join(' ')}`);
  for (const i of [0, 2]) {
    const [b, a] = [rows[i], rows[i + 1]];
    out(`ratio after/before, ${b.name.split(' ')[0]}: median ${(median(a.times) / median(b.times)).toFixed(3)}, min ${(Math.min(...a.times) / Math.min(...b.times)).toFixed(3)}, CPU ${(Math.min(...a.cpu) / Math.min(...b.cpu)).toFixed(3)}`);
  }
  const diffs = ['y', 'grad0', 'grad1', 'grad2', 'grad3', 'grad4'].map(n => `${n} ${relDiff(outs[3][n].data as Float32Array, outs[2][n].data as Float32Array).toExponential(2)}`);
  out(`after vs before, max|after − before| / max|before|: forward y ${relDiff(outs[1].y.data as Float32Array, outs[0].y.data as Float32Array).toExponential(2)}; with backward: ${diffs.join(', ')}`);
}

/** A --versus child: one build's official TPT step (`steps` steps) and official forward, in one process. */
async function childVersus(lib: string, steps: number): Promise<Result> {
  const b = loadBuild(lib);
  const folder = path.join(process.env.NEUROSTORM_FIXTURES ?? path.join(packageRoot(), '..', 'shared', 'fixtures', 'neurostorm'), 'official');
  const model = await b.models.load(folder, { session: SESSION });
  const x = b.models.fixtureInput(1, model.config.imgSize);
  const t0 = now();
  const { step, built } = b.train.buildTrainStep(model, { task: 'cls', mode: 'tpt', batch: 1 });
  const values = model.parameterValues();
  const entries = built.params.names().map(n => [n, { data: values.get(n)!.slice(), shape: [...step.graph.paramInfo(n)!.tensor.shape] }] as [string, HostTensor]);
  const trainer = await b.trainer.Trainer.create(step, new b.store.ParameterStore(entries), SESSION);
  const build = now() - t0;
  const times: number[] = [];
  const cpu: number[] = [];
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t = now();
    const c = process.cpuUsage();
    losses.push((await trainer.step({ x, target: { data: Float32Array.of(1), shape: [1, 1] } }, 1e-4)).loss);
    times.push(now() - t);
    const dc = process.cpuUsage(c);
    cpu.push((dc.user + dc.system) / 1e6);
  }
  const stepPeak = peakMB();
  const { times: fwd } = await timeRepeated(() => model.backbone(x, { prompts: false }), 3);
  return { build_s: build, s: times, cpu_s: cpu, loss: losses, forward_s: fwd, nodes: step.graph.nodes.length, peak_rss_mb: stepPeak };
}

/** The --versus step part: children alternating before/after, `rounds` rounds. */
function versusStep(libs: string[], steps: number, rounds: number, out: (s: string) => void): void {
  const got: Result[][] = [[], []];
  for (let r = 0; r < rounds; r++) {
    for (const [k, lib] of libs.entries()) {
      const res = runChild(['versus', lib, String(steps)]);
      const name = k ? 'after ' : 'before';
      if (typeof res === 'string') {
        out(`${name} round ${r + 1}: ${res}`);
        continue;
      }
      got[k].push(res);
      const s = res.s as number[];
      out(`${name} round ${r + 1}: TPT steps ${s.map(t => t.toFixed(2)).join(' ')} s (CPU ${(res.cpu_s as number[]).map(t => t.toFixed(1)).join(' ')} s); forward ${(res.forward_s as number[]).map(t => t.toFixed(3)).join(' ')} s; build + session ${(res.build_s as number).toFixed(1)} s; ${res.nodes} nodes; peak RSS after the steps ${res.peak_rss_mb} MB; losses ${(res.loss as number[]).map(l => l.toFixed(6)).join(' ')}; load ${os.loadavg().map(l => l.toFixed(2)).join(' ')}`);
    }
  }
  if (!got[0].length || !got[1].length) return;
  const warm = (rs: Result[]) => median(rs.flatMap(r => (r.s as number[]).slice(1)));
  const fwd = (rs: Result[]) => median(rs.flatMap(r => r.forward_s as number[]));
  const [b, a] = got;
  const minOf = (rs: Result[], k: string) => Math.min(...rs.flatMap(r => (r[k] as number[]).slice(1)));
  out(`TPT step median (steps after the first): before ${warm(b).toFixed(2)} s, after ${warm(a).toFixed(2)} s, ratio ${(warm(a) / warm(b)).toFixed(3)}; min ${minOf(b, 's').toFixed(2)} / ${minOf(a, 's').toFixed(2)} s, ratio ${(minOf(a, 's') / minOf(b, 's')).toFixed(3)}; min CPU ${minOf(b, 'cpu_s').toFixed(1)} / ${minOf(a, 'cpu_s').toFixed(1)} s, ratio ${(minOf(a, 'cpu_s') / minOf(b, 'cpu_s')).toFixed(3)}`);
  out(`official forward median: before ${fwd(b).toFixed(3)} s, after ${fwd(a).toFixed(3)} s; step/forward before ${(warm(b) / fwd(b)).toFixed(2)}, after ${(warm(a) / fwd(a)).toFixed(2)}`);
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
    const res = kind === 'versus' ? await childVersus(variant, Number(a)) : kind === 'scan' ? await childScan(variant as 'forward' | ScanBackward, Number(a), Number(b)) : await childStep(variant as ScanBackward, a !== 'off');
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
  const versus = value('--versus', '');
  if (versus) {
    const [before, after = ''] = versus.split(',');
    out(`selective scan, two builds side by side: before ${before}, after ${after || 'this build'} (onnxruntime-node CPU, 2 threads)`);
    if (!args.includes('--no-scan')) await versusScan([loadBuild(before), loadBuild(after)], Number(windows), Number(value('--runs', '5')), out);
    if (!args.includes('--no-step')) versusStep([before, after], Number(value('--steps', '3')), Number(value('--rounds', '2')), out);
    return;
  }
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
