/**
 * `npm run bench -- step-profile [--config official|tiny] [--mode tpt|full] [--task cls|mae]
 *   [--runs 2] [--no-recompute] [--segment-bytes N] [--group-elements N] [--no-arena] [--pattern] [--opt all|extended|basic|disabled]
 *   [--spin] [--top 25] [--forward [--prompts]]`
 *
 * Where the TIME of one training step goes: onnxruntime's profiler on the step graph (same session
 * options as runtime/trainer.ts: CPU arena on, no memory pattern, 2 threads), `runs` steps, the
 * last one read back. Prints, per op type, kernel milliseconds, share of the step, bytes written
 * (the profiler's output_size) and node count; the same split by phase; and the slowest nodes.
 * `--forward` profiles the inference backbone graph instead (no prompts, or with `--prompts` the TPT
 * prompt tokens as the step runs them; add `--pattern` to run it as inference sessions do), to set the
 * step's forward beside it. Profiling costs per node: compare the step's forward phase with a profiled
 * forward, not with an unprofiled time (the official inference forward profiles at ~1.5 s for 0.86 s
 * unprofiled; test/bench/step-forward.ts times the step's forward unprofiled).
 *
 * Phases, from our graph (node ids grow as the step is built; training.ts builds forward, then
 * gradients, then the recomputed copies under scope `recompute/`, then the optimizer under `optim/`):
 * - forward: nodes created up to the loss;
 * - recompute: activation-recomputation copies (`recompute/...`);
 * - backward: the gradient nodes (custom-gradient regions included: the scan backward's own
 *   recomputation of x, log a and h is counted here, and also shown apart as `backward (scan)`);
 * - optimizer: AdamW and clipping (`optim/...`);
 * - ort: nodes onnxruntime made by fusion (names not in our graph), by their op.
 * Official size: run it under the big-memory lock (flock /tmp/neurostorm-bigmem.lock).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ort from 'onnxruntime-node';
import * as models from '../../kernel/models';
import { toModelBytes } from '../../kernel/graph/serialize';
import { hostFrom } from '../../kernel/graph/dtype';
import type { Node } from '../../kernel/graph/tensor';
import { TRAINING_NAMES } from '../../kernel/graph/training';
import { ParameterStore } from '../../kernel/runtime/param-store';
import type { HostTensor } from '../../kernel/runtime/host-tensor';
import { buildTrainStep, TrainMode } from '../../kernel/train/trainer';
import { buildBackboneGraph } from '../../kernel/models/graph/build';
import { randomMaeMask } from '../../kernel/models/mae-mask';
import { createRng } from '../../kernel/random';
import { now } from './timing';
import { fixtureFolder, option } from './bench-args';

interface Event {
  cat?: string;
  name?: string;
  ts?: number;
  dur?: number;
  args?: { op_name?: string; output_size?: string | number; provider?: string };
}

type Phase = 'forward' | 'recompute' | 'backward' | 'backward (scan)' | 'optimizer' | 'ort';

interface Row {
  ms: number;
  bytes: number;
  count: number;
}

const add = (m: Map<string, Row>, key: string, ms: number, bytes: number) => {
  const r = m.get(key) ?? { ms: 0, bytes: 0, count: 0 };
  r.ms += ms;
  r.bytes += bytes;
  r.count++;
  m.set(key, r);
};

function table(title: string, m: Map<string, Row>, totalMs: number, limit = 40): string {
  const rows = [...m.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, limit);
  const lines = [`| ${title} | ms | share | GiB written | nodes |`, '|---|---:|---:|---:|---:|'];
  for (const [k, r] of rows) lines.push(`| ${k} | ${r.ms.toFixed(0)} | ${((100 * r.ms) / totalMs).toFixed(1)}% | ${(r.bytes / 2 ** 30).toFixed(2)} | ${r.count} |`);
  return lines.join('\n');
}

export async function main(args: string[]): Promise<void> {
  const opt = (name: string, dflt: string) => option(args, name, dflt);
  const config = opt('--config', 'official');
  const task = opt('--task', 'cls') as 'cls' | 'mae';
  const mode = opt('--mode', task === 'mae' ? 'full' : 'tpt') as TrainMode;
  const runs = Number(opt('--runs', '2'));
  const top = Number(opt('--top', '25'));
  const optimization = opt('--opt', 'all') as 'all' | 'extended' | 'basic' | 'disabled';
  const segmentBytes = args.includes('--segment-bytes') ? Number(opt('--segment-bytes', '0')) : undefined;
  const recompute = args.includes('--no-recompute') ? false : segmentBytes ? { segmentBytes } : true;
  const groups = args.includes('--group-elements') ? { scanGroupElements: Number(opt('--group-elements', '0')) } : {};
  // Training sessions: arena on, pattern off (runtime/trainer.ts); inference sessions: both on.
  const arena = !args.includes('--no-arena');
  const pattern = args.includes('--pattern');
  const load = () => fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const out = (s: string) => process.stdout.write(`${s}\n`);

  const model = await models.load(fixtureFolder(config), {});
  const batch = config === 'tiny' ? 2 : 1;
  // --forward: the inference backbone graph (no prompts, as the forward bench times it) instead of a step.
  const forwardOnly = args.includes('--forward');
  const { step, built } = forwardOnly
    ? { step: null, built: buildBackboneGraph(model.config, { batch, prompts: args.includes('--prompts'), ...groups }) }
    : buildTrainStep(model, { task, mode, batch, recompute, ...groups });
  const g = built.graph;
  const loss = g.outputs.get(TRAINING_NAMES.loss);
  const lossId = loss?.producer?.id ?? Infinity;
  const byName = new Map<string, Node>(g.nodes.map(n => [n.name, n]));
  const phaseOf = (n: Node | undefined): Phase => {
    if (!n) return 'ort';
    if (n.name.startsWith('recompute/')) return 'recompute';
    if (n.name.startsWith('optim/')) return 'optimizer';
    if (n.id <= lossId) return 'forward';
    return n.name.includes('grad/selectiveScan') || n.name.includes('grad/linearRecurrence') ? 'backward (scan)' : 'backward';
  };

  // Feeds as ModelTrainer/Trainer build them.
  const values = model.parameterValues();
  const store = new ParameterStore(built.params.names().map(name => [name, { data: (values.get(name) as Float32Array).slice(), shape: [...(g.paramInfo(name)?.tensor.shape ?? [])] }] as [string, HostTensor]));
  if (step) store.initializeOptimizerState(step);
  const x = models.fixtureInput(batch, model.config.imgSize);
  let second: HostTensor = { data: new Float32Array(batch).fill(1), shape: [batch, 1] };
  if (task === 'mae') {
    const m = randomMaeMask(model.config, batch, createRng(1));
    second = { data: Float32Array.from(m.data as ArrayLike<number>), shape: [...m.shape] };
  }
  const feeds: Record<string, ort.Tensor> = {};
  const put = (name: string, t: HostTensor) => (feeds[name] = new ort.Tensor(t.data instanceof Float64Array ? 'float64' : t.data instanceof BigInt64Array ? 'int64' : 'float32', t.data as Float32Array, t.shape));
  put('x', x as HostTensor);
  for (const { tensor: p } of g.params) put(p.name, store.get(p.name));
  if (step) {
    put(task === 'mae' ? 'mask' : 'target', second);
    put(TRAINING_NAMES.lr, { data: hostFrom('float32', [1e-5]), shape: [] });
    put(TRAINING_NAMES.step, { data: hostFrom('float32', [1]), shape: [] });
    for (const t of step.trained) for (const s of t.state) put(s.input.name, store.get(s.input.name));
  }

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'step-profile-'));
  const t0 = now();
  const session = await ort.InferenceSession.create(toModelBytes(g), {
    executionProviders: ['cpu'],
    intraOpNumThreads: 2,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: optimization,
    enableMemPattern: pattern,
    enableCpuMemArena: arena,
    enableProfiling: true,
    profileFilePrefix: path.join(dir, 'profile'),
    logSeverityLevel: 3,
    extra: { session: { intra_op: { allow_spinning: args.includes('--spin') ? '1' : '0' } } }
  });
  const compile = now() - t0;
  const walls: number[] = [];
  let faults = 0;
  for (let i = 0; i < runs; i++) {
    const t = now();
    const f0 = process.resourceUsage().minorPageFault;
    await session.run(feeds);
    faults = process.resourceUsage().minorPageFault - f0;
    walls.push(now() - t);
  }
  const hwm = Math.round(Number(/VmHWM:\s+(\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1] ?? NaN) / 1024);
  session.endProfiling();
  await session.release();
  const file = fs.readdirSync(dir).find(f => f.endsWith('.json'));
  if (!file) throw new Error('onnxruntime wrote no profile');
  const events = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as Event[];
  fs.rmSync(dir, { recursive: true, force: true });

  // The last run: node events inside the last model_run span.
  const runsEv = events.filter(e => e.cat === 'Session' && e.name === 'model_run');
  const last = runsEv[runsEv.length - 1];
  const lo = last?.ts ?? 0;
  const hi = last ? (last.ts ?? 0) + (last.dur ?? 0) : Infinity;
  const nodeEv = events.filter(e => e.cat === 'Node' && e.name?.endsWith('_kernel_time') && (e.ts ?? 0) >= lo && (e.ts ?? 0) <= hi);
  const byOp = new Map<string, Row>();
  const byPhase = new Map<string, Row>();
  const byPhaseOp = new Map<string, Row>();
  const nodes: { name: string; op: string; phase: Phase; ms: number; bytes: number }[] = [];
  let kernelMs = 0;
  for (const e of nodeEv) {
    const name = (e.name as string).slice(0, -'_kernel_time'.length);
    const op = e.args?.op_name ?? '?';
    const ms = (e.dur ?? 0) / 1000;
    const bytes = Number(e.args?.output_size ?? 0);
    const phase = phaseOf(byName.get(name));
    kernelMs += ms;
    add(byOp, op, ms, bytes);
    add(byPhase, phase, ms, bytes);
    add(byPhaseOp, `${phase}: ${op}`, ms, bytes);
    nodes.push({ name, op, phase, ms, bytes });
  }
  const stepMs = (last?.dur ?? 0) / 1000;
  out(`${config} ${forwardOnly ? `inference forward (${args.includes('--prompts') ? 'with' : 'no'} prompts)` : `${mode} ${task} step`}, recompute ${JSON.stringify(recompute)}, opt ${optimization}, arena ${arena}, pattern ${pattern}, ${JSON.stringify(groups)}, MALLOC_MMAP_THRESHOLD_=${process.env.MALLOC_MMAP_THRESHOLD_ ?? 'unset'}: ${g.nodes.length} nodes in our graph, ${nodeEv.length} executed by onnxruntime; session ${compile.toFixed(1)} s; step wall ${walls.map(w => w.toFixed(2)).join(', ')} s (profiled); last run ${stepMs.toFixed(0)} ms, kernels ${kernelMs.toFixed(0)} ms (${((100 * kernelMs) / stepMs).toFixed(0)}%); minor page faults ${faults} (${((faults * 4096) / 2 ** 30).toFixed(1)} GiB of 4 KiB pages); VmHWM ${hwm} MB; load ${load()}`);
  out('');
  out(table('phase', byPhase, stepMs));
  out('');
  out(table('op type', byOp, stepMs));
  out('');
  out(table('phase: op type', byPhaseOp, stepMs, 30));
  out('');
  out(`| slowest nodes | op | phase | ms | MiB written |\n|---|---|---|---:|---:|`);
  for (const n of nodes.sort((a, b) => b.ms - a.ms).slice(0, top)) out(`| ${n.name} | ${n.op} | ${n.phase} | ${n.ms.toFixed(1)} | ${(n.bytes / 2 ** 20).toFixed(0)} |`);
}
