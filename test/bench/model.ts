/**
 * `npm run bench -- model [--configs tiny,official] [--runs 3] [--part P[,P...]] [--steps 20] [--rounds 9] [--batches 1,2,4,8]
 *   [--no-torch] [--no-scan] [--no-train] [--no-plain] [--batch-torch-only] [--batch-forward-only]`
 *
 * Side by side in one run, each measurement in its own child process (so peak memory is its own;
 * official-size children run under the shared big-memory lock, flock /tmp/neurostorm-bigmem.lock):
 * - `forward`: backbone forward (median of `runs` after a warm-up that also builds the session);
 * - `step`: TPT training steps (prompts + cls head, AdamW, the trainer's default: no recomputation
 *   for TPT since issue 18's fourth pass) for `--steps` consecutive steps in one process: time and
 *   VmRSS/VmHWM after each (memory must stay flat), the step/forward ratio, and two steps with
 *   recomputation for the before/after (`--no-plain` skips them); then, in one more process, `--rounds`
 *   (9) rounds of one inference forward and one TPT step alternating, the ratio from the same process;
 * - `full`, `mae`: a full fine-tuning step and an MAE pretraining step (seeded random mask), peak memory;
 * - `batch`: throughput (clips/s, and process CPU seconds per clip: the steadier figure on a shared
 *   machine) and peak memory of forward and TPT step at `--batches`, with `torch` the official
 *   model's forward at the same batch, with its reference scan and with a vectorised (chunked) scan
 *   stand-in (test/bench/torch_chunked_scan.py); `--batch-torch-only` / `--batch-forward-only` run
 *   part of it;
 * - `roofline`: FLOPs per clip counted from the graphs (MatMul/Gemm/Conv multiply-adds, and the
 *   elementwise/reduction ops at one FLOP per element, where the scan's work is), achieved GFLOP/s
 *   (forward median, last TPT step), and this CPU's FP32 peak estimated from its flags and clock;
 * - `torch`: the official PyTorch model on the same CPU, forward with its reference scan and with the
 *   chunked stand-in (test/bench/model_torch.py; needs
 *   python3-torch and the official source in $NEUROSTORM_SRC, OMP_WAIT_POLICY=PASSIVE, 2 threads);
 * - `scan`: the selective-scan formulations on the official stage-0 sizes.
 * Default: every part. Goals of issue 18 (official, batch 1): TPT step peak <= 4 GB flat over 20
 * steps, step <= 4x forward; full fine-tuning and MAE step <= 6 GB.
 */
import { scanFeeds } from './scan-feeds';
import { now, timeRepeated } from './timing';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { packageRoot } from '../../kernel/version';
import * as models from '../../kernel/models';
import { Graph } from '../../kernel/graph/graph';
import { createSession } from '../../kernel/runtime/session';
import { selectiveScan } from '../../kernel/models/selective-scan';
import { liveNodes } from '../../kernel/graph/serialize';
import type { Node } from '../../kernel/graph/tensor';
import { buildBackboneGraph } from '../../kernel/models/graph/build';
import { trainer as modelTrainer, TrainMode } from '../../kernel/train/trainer';
import { randomMaeMask } from '../../kernel/models/mae-mask';
import { createRng } from '../../kernel/random';

type ConfigName = 'tiny' | 'official';

function fixtureFolder(name: ConfigName): string {
  const root = process.env.NEUROSTORM_FIXTURES ?? path.join(packageRoot(), '..', 'shared', 'fixtures', 'neurostorm');
  return path.join(root, name);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** VmRSS and VmHWM (peak) of this process in MB (getrusage's maxRSS would include a parent's). */
function memMB(): { rss: number; hwm: number } {
  const s = fs.readFileSync('/proc/self/status', 'utf8');
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? NaN);
  return { rss: Math.round(kb('VmRSS') / 1024), hwm: Math.round(kb('VmHWM') / 1024) };
}
const peakMB = () => memMB().hwm;

interface ChildResult {
  [k: string]: number | number[] | string;
}

/** Multiply-add FLOPs (2 per MAC) of the MatMul/Gemm/Conv nodes that feed the graph's outputs: the bulk of the arithmetic. */
export function matmulFlops(nodes: readonly Node[]): number {
  let f = 0;
  for (const n of nodes) {
    const out = n.outputs[0];
    if (n.op === 'MatMul') f += 2 * out.size * n.inputs[0].shape[n.inputs[0].rank - 1];
    else if (n.op === 'Gemm') f += 2 * out.size * (n.attrs.transA ? n.inputs[0].shape[0] : n.inputs[0].shape[1]);
    else if (n.op === 'Conv') f += 2 * out.size * n.inputs[1].shape.slice(1).reduce((a, b) => a * b, 1);
  }
  return f;
}

/** Runs `f`, appending this process's CPU seconds (user + system, all threads) during it to `cpu`. */
/** Arithmetic ops counted at one FLOP per output element (per input element for reductions), so the roofline also sees the scan. */
const ELEMENTWISE = new Set(['Gelu', 'Add', 'Sub', 'Mul', 'Div', 'Pow', 'Max', 'Min', 'Neg', 'Sqrt', 'Exp', 'Log', 'Abs', 'Relu', 'Sigmoid', 'Tanh', 'Erf', 'Softplus', 'Where', 'LayerNormalization', 'CumSum', 'Softmax', 'LogSoftmax']);
const REDUCTIONS = new Set(['ReduceSum', 'ReduceMean', 'ReduceMax']);

/** FLOPs of the elementwise and reduction nodes that feed the graph's outputs (one per element: a floor, not a cost model). */
export function elementwiseFlops(nodes: readonly Node[]): number {
  let f = 0;
  for (const n of nodes) {
    if (ELEMENTWISE.has(n.op)) f += n.outputs[0].size;
    else if (REDUCTIONS.has(n.op)) f += n.inputs[0].size;
  }
  return f;
}

async function cpuTimed<T>(f: () => Promise<T>, cpu: number[]): Promise<T> {
  const c = process.cpuUsage();
  const out = await f();
  const d = process.cpuUsage(c);
  cpu.push((d.user + d.system) / 1e6);
  return out;
}

async function childForward(name: ConfigName, runs: number, batch: number): Promise<ChildResult> {
  const model = await models.load(fixtureFolder(name), { session: { provider: 'cpu', threads: 2 } });
  const x = models.fixtureInput(batch, model.config.imgSize);
  // The official timing is NeuroSTORM(prompt_len=0).
  const cpu: number[] = [];
  const { first, times } = await timeRepeated(() => cpuTimed(() => model.backbone(x, { prompts: false }), cpu), runs);
  const g = buildBackboneGraph(model.config, { batch, prompts: false }).graph;
  const live = liveNodes(g, [...g.outputs.values()]);
  return { first_call_s: first, forward_s: times, forward_cpu_s: cpu.slice(1), peak_rss_mb: peakMB(), gflop: matmulFlops(live) / 1e9, ew_gflop: elementwiseFlops(live) / 1e9 };
}

/** `steps` consecutive training steps in one process: time, VmRSS and VmHWM after each (recompute undefined: the trainer's default). */
async function childSteps(name: ConfigName, steps: number, mode: TrainMode, task: 'cls' | 'mae', batch: number, recompute: boolean | undefined): Promise<ChildResult> {
  const model = await models.load(fixtureFolder(name), { session: { provider: 'cpu', threads: 2 } });
  const x = models.fixtureInput(batch, model.config.imgSize);
  let second = { data: new Float32Array(batch).fill(1), shape: [batch, 1] };
  if (task === 'mae') {
    // A seeded random mask (the official masking ratio) from the kernel's own generator.
    const m = randomMaeMask(model.config, batch, createRng(1));
    second = { data: Float32Array.from(m.data as ArrayLike<number>), shape: [...m.shape] };
  }
  const t0 = now();
  const trainer = await modelTrainer(model, { task, mode, batch, recompute });
  const build = now() - t0;
  const times: number[] = [];
  const cpu: number[] = [];
  const rss: number[] = [];
  const hwm: number[] = [];
  let loss = NaN;
  for (let i = 0; i < steps; i++) {
    const t = now();
    loss = (await cpuTimed(() => trainer.step(x, second, 1e-5), cpu)).loss;
    times.push(now() - t);
    const m = memMB();
    rss.push(m.rss);
    hwm.push(m.hwm);
  }
  const spec = trainer.trainer.spec;
  return {
    build_s: build,
    train_step_s: times,
    train_step_cpu_s: cpu,
    rss_mb: rss,
    hwm_mb: hwm,
    loss,
    nodes: spec.graph.nodes.length,
    segments: spec.recompute.segments,
    peak_rss_mb: peakMB(),
    gflop: matmulFlops(liveNodes(spec.graph, [...spec.graph.outputs.values()])) / 1e9,
    ew_gflop: elementwiseFlops(liveNodes(spec.graph, [...spec.graph.outputs.values()])) / 1e9
  };
}

/**
 * The step/forward ratio from ONE process: a TPT trainer (the trainer's defaults) and the inference
 * backbone forward (no prompts, the official timing), both warmed up, then `rounds` rounds of one
 * forward and one step, alternating, so both see the same machine state. Forwards in separate
 * processes varied 0.715-0.917 s on a quiet machine from run to run (issue 18, stop 24), which moved
 * the ratio more than any change did. Memory is not measured here (the process holds both sessions).
 */
async function childAlternate(name: ConfigName, rounds: number, batch: number): Promise<ChildResult> {
  const model = await models.load(fixtureFolder(name), { session: { provider: 'cpu', threads: 2 } });
  const x = models.fixtureInput(batch, model.config.imgSize);
  const target = { data: new Float32Array(batch).fill(1), shape: [batch, 1] };
  const trainer = await modelTrainer(model, { task: 'cls', mode: 'tpt', batch });
  const forward = () => model.backbone(x, { prompts: false });
  // Warm-up: two of each (the first builds a session; the second still grows the arena).
  for (let i = 0; i < 2; i++) {
    await forward();
    await trainer.step(x, target, 1e-5);
  }
  const fw: number[] = [];
  const fc: number[] = [];
  const sw: number[] = [];
  const sc: number[] = [];
  for (let k = 0; k < rounds; k++) {
    let t = now();
    await cpuTimed(forward, fc);
    fw.push(now() - t);
    t = now();
    await cpuTimed(() => trainer.step(x, target, 1e-5), sc);
    sw.push(now() - t);
  }
  return { forward_s: fw, forward_cpu_s: fc, train_step_s: sw, train_step_cpu_s: sc };
}

/** Scan formulations on one stage-0 block of the official configuration: 320 windows × 256 tokens × E 72 × N 16. */
async function childScan(variant: string, runs: number): Promise<ChildResult> {
  const [M, L, E, N] = [320, 256, 72, 16];
  const opts: Record<string, { chunk: number; groups: number }> = {
    'K4-groups46 (default)': { chunk: 4, groups: 46 },
    'K4-groups1 (no cache blocking)': { chunk: 4, groups: 1 },
    'K4-groups12': { chunk: 4, groups: 12 },
    'K4-groups160': { chunk: 4, groups: 160 },
    'K2-groups46': { chunk: 2, groups: 46 },
    'K3-groups46': { chunk: 3, groups: 46 }
  };
  const o = opts[variant];
  const g = new Graph('scan');
  const u = g.input('u', [M, L, E]);
  const d = g.input('delta', [M, L, E]);
  const A = g.input('A', [E, N]);
  const B = g.input('B', [M, L, N]);
  const C = g.input('C', [M, L, N]);
  g.output('y', selectiveScan(u, d, A, B, C, o));
  const session = await createSession(g, { provider: 'cpu', threads: 2 });
  const feeds = scanFeeds(M, L, E, N);
  const { times } = await timeRepeated(() => session.run(feeds), runs);
  return { scan_s: times, nodes: g.nodes.length, peak_rss_mb: peakMB() };
}

/** Official-size children hold the shared big-memory lock (one >3 GB process at a time on the machine). */
const LOCK = '/tmp/neurostorm-bigmem.lock';

function runChild(args: string[], big: boolean): ChildResult | string {
  const own = [__filename, '--child', ...args];
  const useLock = big && process.env.NEUROSTORM_BENCH_LOCK !== '0' && fs.existsSync('/usr/bin/flock');
  const r = useLock
    ? spawnSync('/usr/bin/flock', [LOCK, process.execPath, ...own], { encoding: 'utf8', maxBuffer: 1 << 24 })
    : spawnSync(process.execPath, own, { encoding: 'utf8', maxBuffer: 1 << 24 });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as ChildResult;
  } catch {
    return `failed (exit ${r.status}${r.signal ? `, ${r.signal}` : ''}): ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`;
  }
}

/** Wall-clock cap per PyTorch measurement (NEUROSTORM_BENCH_TORCH_TIMEOUT_S, default 900). */
const TORCH_TIMEOUT_S = Number(process.env.NEUROSTORM_BENCH_TORCH_TIMEOUT_S ?? 900);

function runTorch(name: ConfigName, runs: number, what: 'forward' | 'train', batch = 1, scan: 'ref' | 'chunked' | 'both' = 'both'): ChildResult | string {
  const src = process.env.NEUROSTORM_SRC;
  if (!src || !fs.existsSync(path.join(src, 'models', 'neurostorm.py'))) {
    return 'skipped: the official source is absent (set NEUROSTORM_SRC to an export of CUHK-AIM-Group/NeuroSTORM with models/ and utils/, see shared/reference/README.md)';
  }
  const probe = spawnSync('/usr/bin/python3', ['-c', 'import torch, numpy'], { encoding: 'utf8' });
  if (probe.status !== 0) return 'skipped: python3-torch (or numpy) is not installed for /usr/bin/python3';
  const script = path.join(packageRoot(), 'test', 'bench', 'model_torch.py');
  const cmd = ['/usr/bin/python3', script, fixtureFolder(name), String(runs), what, String(batch), scan];
  const big = name === 'official' && fs.existsSync('/usr/bin/flock') && process.env.NEUROSTORM_BENCH_LOCK !== '0';
  // The cap applies to the Python process only (coreutils timeout inside the lock), not to the wait for the lock.
  const capped = ['/usr/bin/timeout', String(TORCH_TIMEOUT_S), ...cmd];
  const r = spawnSync(big ? '/usr/bin/flock' : capped[0], big ? [LOCK, ...capped] : capped.slice(1), {
    encoding: 'utf8',
    env: { ...process.env, OMP_WAIT_POLICY: 'PASSIVE', OMP_NUM_THREADS: '2' },
    maxBuffer: 1 << 24
  });
  if (r.error || r.signal || r.status === 124) return `did not finish within ${TORCH_TIMEOUT_S} s (the reference scan is a Python loop; autograd through it is slow)`;
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as ChildResult;
  } catch {
    return `failed (exit ${r.status}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`;
  }
}

const fmt = (r: ChildResult | string, key: string): string => {
  if (typeof r === 'string') return r;
  const v = r[key];
  return Array.isArray(v) ? `${median(v).toFixed(3)} s (runs ${v.map(t => t.toFixed(3)).join(', ')})` : String(v);
};

/**
 * This CPU's FP32 peak: cores × clock × FLOPs per cycle from its vector flags (2 FMA pipes: AVX-512
 * full-width 64, AVX-512 on 256-bit pipes (Zen 4, no vp2intersect) or AVX2+FMA 32, else 8).
 */
function cpuPeak(threads: number): { gflops: number; text: string } {
  const info = fs.existsSync('/proc/cpuinfo') ? fs.readFileSync('/proc/cpuinfo', 'utf8') : '';
  const flags = new Set((/^flags\s*:\s*(.*)$/m.exec(info)?.[1] ?? '').split(/\s+/));
  const model = /^model name\s*:\s*(.*)$/m.exec(info)?.[1] ?? 'unknown CPU';
  const mhz = Number(/^cpu MHz\s*:\s*([\d.]+)$/m.exec(info)?.[1] ?? 2000);
  const amdZen4 = /AMD/.test(model) && flags.has('avx512f') && !flags.has('avx512_vp2intersect');
  const perCycle = flags.has('avx512f') && !amdZen4 ? 64 : flags.has('avx2') && flags.has('fma') ? 32 : 8;
  const gflops = (threads * mhz * perCycle) / 1000;
  return { gflops, text: `${model}, ${threads} threads × ${(mhz / 1000).toFixed(2)} GHz × ${perCycle} FP32 FLOP/cycle (${flags.has('avx512f') ? 'AVX-512' : flags.has('avx2') ? 'AVX2' : 'SSE'}+FMA) = ${gflops.toFixed(0)} GFLOP/s` };
}

type Part = 'forward' | 'step' | 'full' | 'mae' | 'batch' | 'roofline' | 'torch' | 'scan';
const PARTS: Part[] = ['forward', 'step', 'full', 'mae', 'batch', 'roofline', 'torch', 'scan'];

export async function main(args: string[]): Promise<void> {
  if (args[0] === '--child') {
    const [, kind, a, b, c, d, e, f] = args;
    let res: ChildResult;
    if (kind === 'forward') res = await childForward(a as ConfigName, Number(b), Number(c ?? 1));
    else if (kind === 'alternate') res = await childAlternate(a as ConfigName, Number(b), Number(c ?? 1));
    else if (kind === 'steps') res = await childSteps(a as ConfigName, Number(b), c as TrainMode, d as 'cls' | 'mae', Number(e), f === 'default' ? undefined : f === '1');
    else res = await childScan(a, Number(b));
    process.stdout.write(`${JSON.stringify(res)}\n`);
    return;
  }
  const flag = (name: string) => args.includes(name);
  const value = (name: string, dflt: string) => {
    const i = args.indexOf(name);
    return i >= 0 && args[i + 1] ? args[i + 1] : dflt;
  };
  const configs = value('--configs', 'tiny,official').split(',') as ConfigName[];
  const runs = Number(value('--runs', '3'));
  const nSteps = Number(value('--steps', '20'));
  const batches = value('--batches', '1,2,4,8').split(',').map(Number);
  const parts = new Set<Part>(flag('--part') ? (value('--part', '').split(',') as Part[]) : PARTS);
  for (const p of parts) if (!PARTS.includes(p)) throw new Error(`--part ${p}: one of ${PARTS.join(', ')}`);
  if (flag('--no-torch')) parts.delete('torch');
  if (flag('--no-scan')) parts.delete('scan');
  if (flag('--no-train')) for (const p of ['step', 'full', 'mae'] as Part[]) parts.delete(p);
  const out = (s: string) => process.stdout.write(`${s}\n`);
  const load = () => `load ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`;
  out(`NeuroSTORM model benchmark — ours: onnxruntime-node CPU, 2 threads; reference: official PyTorch (OMP_WAIT_POLICY=PASSIVE, 2 threads); parts: ${[...parts].join(', ')}; ${load()}`);
  const peak = cpuPeak(2);
  for (const name of configs) {
    out(`\n== ${name} ==`);
    const big = name === 'official';
    const batch0 = name === 'tiny' ? 2 : 1;
    let fwd: ChildResult | string = 'not measured';
    let tpt: ChildResult | string = 'not measured';
    if (parts.has('forward') || parts.has('step') || parts.has('roofline')) {
      fwd = runChild(['forward', name, String(runs), String(batch0)], big);
      out(`ours  backbone forward (batch ${batch0}): ${fmt(fwd, 'forward_s')}; first call incl. graph build + session ${typeof fwd === 'string' ? '-' : (fwd.first_call_s as number).toFixed(2)} s; peak RSS ${typeof fwd === 'string' ? '-' : fwd.peak_rss_mb} MB [${load()}]`);
    }
    if (parts.has('torch')) {
      const ref = runTorch(name, runs, 'forward', batch0);
      if (typeof ref === 'string') out(`torch backbone forward: ${ref}`);
      else {
        out(`torch backbone forward (reference scan, a Python loop over the sequence): ${fmt(ref, 'forward_s')}; min CPU ${Math.min(...(ref.forward_cpu_s as number[])).toFixed(3)} s; peak RSS ${Math.round(ref.peak_rss_mb as number)} MB (torch ${ref.torch})`);
        out(`torch backbone forward, vectorised (chunked) scan stand-in: ${fmt(ref, 'chunked_forward_s')}; min CPU ${Math.min(...(ref.chunked_cpu_s as number[])).toFixed(3)} s; peak RSS ${Math.round(ref.chunked_peak_rss_mb as number)} MB; output vs reference ${(ref.chunked_max_rel_diff as number).toExponential(2)} of max`);
      }
      if (typeof fwd !== 'string' && typeof ref !== 'string') {
        for (const [label, key, cpuKey] of [['reference scan', 'forward_s', 'forward_cpu_s'], ['chunked scan', 'chunked_forward_s', 'chunked_cpu_s']] as const) {
          const ratio = median(fwd.forward_s as number[]) / median(ref[key] as number[]);
          const cpuRatio = Math.min(...(fwd.forward_cpu_s as number[])) / Math.min(...(ref[cpuKey] as number[]));
          out(`ratio ours/torch forward (${label}): wall ${ratio.toFixed(3)} (${ratio < 1 ? `${(1 / ratio).toFixed(2)}× faster` : `${ratio.toFixed(2)}× slower`}), CPU ${cpuRatio.toFixed(3)} (${(1 / cpuRatio).toFixed(2)}×)`);
        }
      }
    }
    if (parts.has('step') || parts.has('roofline')) {
      // The trainer's default (TPT: no recomputation since issue 18's fourth pass, kernel/train/trainer.ts).
      tpt = runChild(['steps', name, String(parts.has('step') ? nSteps : 2), 'tpt', 'cls', String(batch0), 'default'], big);
      if (typeof tpt === 'string') out(`ours  TPT step: ${tpt}`);
      else {
        const t = tpt.train_step_s as number[];
        const hwm = tpt.hwm_mb as number[];
        const rss = tpt.rss_mb as number[];
        out(`ours  TPT step (prompts + cls head, AdamW, recompute ${tpt.segments} segments): ${t.length} steps, median ${median(t).toFixed(2)} s (first ${t[0].toFixed(2)}, last ${t[t.length - 1].toFixed(2)}); ${tpt.nodes} nodes; graph build + session ${(tpt.build_s as number).toFixed(2)} s [${load()}]`);
        out(`      peak RSS (VmHWM) after step 1 ${hwm[0]} MB, after step ${t.length} ${hwm[t.length - 1]} MB; VmRSS per step ${rss.join(' ')}`);
        // Only from the `step` part's 20 steps: the roofline's 2 steps include the first, arena-filling one.
        if (typeof fwd !== 'string' && parts.has('step')) out(`ratio TPT step / forward (separate processes): ${(median(t) / median(fwd.forward_s as number[])).toFixed(2)} (goal <= 4)`);
      }
      if (parts.has('step')) {
        const rounds = Number(value('--rounds', '9'));
        const alt = runChild(['alternate', name, String(rounds), String(batch0)], big);
        if (typeof alt === 'string') out(`ours  step/forward alternating in one process: ${alt}`);
        else {
          const [fw, sw, fc, sc] = (['forward_s', 'train_step_s', 'forward_cpu_s', 'train_step_cpu_s'] as const).map(k => alt[k] as number[]);
          const perRound = sw.map((s, i) => s / fw[i]);
          out(`ours  step/forward alternating in one process (${rounds} rounds of forward then TPT step, after 2 warm-up rounds): forward median ${median(fw).toFixed(3)} s (CPU ${median(fc).toFixed(3)}), step median ${median(sw).toFixed(3)} s (CPU ${median(sc).toFixed(3)}) [${load()}]`);
          out(`ratio TPT step / forward, same process: wall ${(median(sw) / median(fw)).toFixed(2)}, CPU ${(median(sc) / median(fc)).toFixed(2)}, per round ${perRound.map(r => r.toFixed(2)).join(' ')} (goal <= 4)`);
        }
      }
      if (parts.has('step') && !flag('--no-plain')) {
        const plain = runChild(['steps', name, '2', 'tpt', 'cls', String(batch0), '1'], big);
        out(`ours  TPT step with recomputation: ${typeof plain === 'string' ? plain : `${(plain.train_step_s as number[]).map(v => v.toFixed(2)).join(', ')} s; ${plain.nodes} nodes; peak RSS ${(plain.hwm_mb as number[]).join(', ')} MB`}`);
      }
      if (parts.has('torch')) {
        const ref = runTorch(name, 1, 'train', batch0);
        out(`torch TPT training step: ${fmt(ref, 'train_step_s')}${typeof ref === 'string' ? '' : `; peak RSS ${Math.round(ref.max_rss_mb as number)} MB`}`);
      }
    }
    for (const [part, mode, task] of [['full', 'full', 'cls'], ['mae', 'full', 'mae']] as const) {
      if (!parts.has(part)) continue;
      const r = runChild(['steps', name, '2', mode, task, String(batch0), '1'], big);
      out(`ours  ${part === 'full' ? 'full fine-tuning (cls)' : 'MAE pretraining'} step: ${typeof r === 'string' ? r : `${(r.train_step_s as number[]).map(v => v.toFixed(2)).join(', ')} s; ${r.nodes} nodes; peak RSS ${(r.hwm_mb as number[]).join(', ')} MB (goal <= 6 GB)`}`);
    }
    if (parts.has('batch')) {
      // Clips/s from the median forward and the LAST training step (the first also fills the arena);
      // CPU figures (process CPU seconds per clip) are the steadier ones on a shared machine.
      const rate = (b: number, ts: number[]) => `${(b / ts[ts.length - 1]).toFixed(3)} clips/s`;
      for (const b of batches) {
        if (!flag('--batch-torch-only')) {
          const f = runChild(['forward', name, '2', String(b)], big);
          const s = flag('--batch-forward-only') ? 'not run (--batch-forward-only)' : runChild(['steps', name, '2', 'tpt', 'cls', String(b), '1'], big);
          const fs_ = typeof f === 'string' ? f : `${(b / median(f.forward_s as number[])).toFixed(3)} clips/s (${(Math.min(...(f.forward_cpu_s as number[])) / b).toFixed(2)} CPU s/clip), peak ${f.peak_rss_mb} MB`;
          const ss = typeof s === 'string' ? s : `${rate(b, s.train_step_s as number[])} (${((s.train_step_cpu_s as number[]).slice(-1)[0] / b).toFixed(2)} CPU s/clip), peak ${s.peak_rss_mb} MB`;
          out(`batch ${b}: ours forward ${fs_}; ours TPT step ${ss} [${load()}]`);
        }
        if (parts.has('torch')) {
          const rf = runTorch(name, 1, 'forward', b);
          if (typeof rf === 'string') out(`batch ${b}: torch forward ${rf}`);
          else {
            const perClip = (k: string) => `${(Math.min(...(rf[k] as number[])) / b).toFixed(2)} CPU s/clip`;
            out(`batch ${b}: torch forward ${(b / median(rf.forward_s as number[])).toFixed(3)} clips/s (${perClip('forward_cpu_s')}), peak ${Math.round(rf.peak_rss_mb as number)} MB; with the chunked scan ${(b / median(rf.chunked_forward_s as number[])).toFixed(3)} clips/s (${perClip('chunked_cpu_s')}), peak ${Math.round(rf.chunked_peak_rss_mb as number)} MB [${load()}]`);
          }
        }
      }
    }
    if (parts.has('roofline') && typeof fwd !== 'string' && typeof tpt !== 'string') {
      const fT = median(fwd.forward_s as number[]);
      const t = tpt.train_step_s as number[];
      const sT = t[t.length - 1];
      const line = (what: string, r: ChildResult, secs: number) => {
        const mm = r.gflop as number;
        const ew = r.ew_gflop as number;
        return `${what}: ${(mm / batch0).toFixed(1)} GFLOP MatMul/Gemm/Conv + ${(ew / batch0).toFixed(1)} GFLOP elementwise per clip in ${secs.toFixed(2)} s = ${(mm / secs).toFixed(1)} + ${(ew / secs).toFixed(1)} GFLOP/s (${((100 * (mm + ew)) / secs / peak.gflops).toFixed(1)}% of peak)`;
      };
      out(`roofline (batch ${batch0}): ${line('forward', fwd, fT)}; ${line('TPT step', tpt, sT)}; CPU peak ${peak.text}`);
    }
  }
  if (parts.has('scan')) {
    out('\n== selective scan, one official stage-0 block (320 windows × 256 steps × E 72 × N 16) ==');
    for (const v of ['K4-groups46 (default)', 'K4-groups1 (no cache blocking)', 'K4-groups12', 'K4-groups160', 'K2-groups46', 'K3-groups46']) {
      const r = runChild(['scan', v, String(runs)], false);
      out(`${v.padEnd(32)} ${fmt(r, 'scan_s')}${typeof r === 'string' ? '' : `; ${r.nodes} nodes; peak RSS ${r.peak_rss_mb} MB`}`);
    }
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch(err => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  });
}
